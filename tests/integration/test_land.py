"""civicledger.land end to end through web3.py: the whole workflow, and history from events
agreeing with storage at every step."""

import pytest

from civicledger import bench, demo, land
from civicledger.errors import ContractError
from civicledger.manifest import Manifest

ACTORS = ["city", "registrar", "court", "lender", "alice", "bob", "school"]


def small_lot(w3, registry, people, cadastral_ref):
    """A 10 m² parcel registered to alice, for tests about what happens to it next."""
    return land.register(
        w3,
        people["registrar"],
        registry,
        owner=people["alice"].address,
        cadastral_ref=cadastral_ref,
        geometry_hash=land.document_hash("g"),
        area=10,
        deed_hash=land.document_hash("d"),
    )


@pytest.fixture
def people(request, signer):
    return {name: signer(request.getfixturevalue(name)) for name in ACTORS}


@pytest.fixture
def registry(w3, people, tmp_path):
    manifest = Manifest.load(w3.eth.chain_id, tmp_path)
    reg = land.deploy_registry(w3, people["city"], manifest)
    land.ensure_roles(w3, people["city"], reg, people)
    return reg


def agrees(w3, registry, parcel_id):
    rebuilt = land.history(w3, registry, parcel_id).state
    stored = land.state(registry, parcel_id)
    assert rebuilt == stored
    return rebuilt


def test_registry_deployment_is_recorded_and_reused(w3, people, tmp_path):
    manifest = Manifest.load(w3.eth.chain_id, tmp_path)
    first = land.deploy_registry(w3, people["city"], manifest)
    entry = manifest.contracts["LandRegistry"]
    assert entry["address"] == first.address
    assert entry["constructorArguments"] == [people["city"].address, land.DEFAULT_BASE_URI]
    assert land.deploy_registry(w3, people["city"], manifest).address == first.address
    assert first.functions.deploymentBlock().call() == entry["block"]


def test_whole_workflow_through_the_package(w3, registry, people):
    p = people
    parcel_id = land.register(
        w3,
        p["registrar"],
        registry,
        owner=p["alice"].address,
        cadastral_ref="LOT-2026-0001",
        geometry_hash=land.document_hash("polygon"),
        area=1_200,
        deed_hash=land.document_hash("deed 1"),
        deed_uri="ipfs://deed-1",
    )
    record = land.parcel(registry, parcel_id)
    assert (record.status, record.owner, record.area) == ("Live", p["alice"].address, 1_200)
    assert record.cadastral_ref == "LOT-2026-0001"
    agrees(w3, registry, parcel_id)

    lien_id = land.add_lien(
        w3,
        p["lender"],
        registry,
        parcel_id,
        amount_ref="EUR-180000",
        document_hash=land.document_hash("mortgage"),
    )
    assert land.lien(registry, lien_id).active
    proposal_id = land.propose_transfer(
        w3,
        p["alice"],
        registry,
        parcel_id,
        buyer=p["bob"].address,
        price_ref="EUR-250000",
        deed_hash=land.document_hash("deed 2"),
    )
    land.accept_transfer(w3, p["bob"], registry, proposal_id)
    assert land.proposal(registry, proposal_id).status == "Accepted"
    agrees(w3, registry, parcel_id)

    with pytest.raises(ContractError) as refused:
        land.approve_transfer(w3, p["registrar"], registry, proposal_id)
    assert refused.value.name == "ParcelEncumbered"
    assert refused.value.kwargs == {"parcelId": parcel_id, "activeLiens": 1, "lenderConsents": 0}

    land.consent_to_transfer(w3, p["lender"], registry, lien_id, proposal_id)
    land.approve_transfer(w3, p["registrar"], registry, proposal_id)
    assert land.parcel(registry, parcel_id).owner == p["bob"].address
    state = agrees(w3, registry, parcel_id)
    assert state.active_liens == 1 and state.deed_hash == land.document_hash("deed 2")

    land.release_lien(w3, p["lender"], registry, lien_id)
    land.freeze(w3, p["court"], registry, parcel_id, "CASE-9")
    assert land.parcel(registry, parcel_id).frozen_case == "CASE-9"
    with pytest.raises(ContractError) as frozen:
        land.propose_transfer(
            w3,
            p["bob"],
            registry,
            parcel_id,
            buyer=p["alice"].address,
            deed_hash=land.document_hash("deed 3"),
        )
    assert frozen.value.name == "ParcelFrozen"
    assert frozen.value.kwargs["caseRef"] == land.to_bytes32("CASE-9")
    agrees(w3, registry, parcel_id)
    land.unfreeze(w3, p["court"], registry, parcel_id)

    index = land.attach_document(
        w3,
        p["bob"],
        registry,
        parcel_id,
        kind="survey",
        document_hash=land.document_hash("survey"),
        uri="ipfs://survey",
    )
    assert index == 0
    children = land.subdivide(
        w3,
        p["registrar"],
        registry,
        parcel_id,
        [
            land.ParcelSpec(
                "LOT-2026-0001/1", land.document_hash("north"), 700, land.document_hash("dA")
            ),
            land.ParcelSpec(
                "LOT-2026-0001/2", land.document_hash("south"), 500, land.document_hash("dB")
            ),
        ],
    )
    merged = land.merge(
        w3,
        p["registrar"],
        registry,
        children,
        land.ParcelSpec(
            "LOT-2026-0002", land.document_hash("whole"), 1_200, land.document_hash("dM")
        ),
    )

    assert land.live_area(registry, [parcel_id, *children, merged]) == 1_200
    parent = agrees(w3, registry, parcel_id)
    assert parent.status == "Retired" and parent.owner is None
    assert parent.children == tuple(children)
    for child in children:
        assert agrees(w3, registry, child).children == (merged,)
    final = agrees(w3, registry, merged)
    assert (final.area, final.parents, final.owner) == (1_200, tuple(children), p["bob"].address)

    events = [e.event for e in land.history(w3, registry, parcel_id).entries]
    assert events == [
        "ParcelRegistered",
        "LienAdded",
        "TransferProposed",
        "TransferAccepted",
        "TransferConsented",
        "TitleTransferred",
        "LienReleased",
        "ParcelFreezeOrdered",
        "ParcelFreezeLifted",
        "DocumentAttached",
        "ParcelRetired",
    ]


def test_lender_authorized_by_the_owner_registers_a_lien(w3, registry, people):
    p = people
    parcel_id = small_lot(w3, registry, p, "LOT-A")
    with pytest.raises(ContractError) as refused:
        land.add_lien(
            w3, p["school"], registry, parcel_id, amount_ref="X", document_hash=b"\1" * 32
        )
    assert refused.value.name == "LenderNotAuthorized"
    land.authorize_lender(w3, p["alice"], registry, parcel_id, p["school"].address)
    lien_id = land.add_lien(
        w3, p["school"], registry, parcel_id, amount_ref="X", document_hash=b"\1" * 32
    )
    assert land.lien(registry, lien_id).lender == p["school"].address
    assert land.history(w3, registry, parcel_id).active_lien_ids == (lien_id,)
    agrees(w3, registry, parcel_id)


def test_cancelled_proposal_leaves_history_and_storage_agreeing(w3, registry, people):
    p = people
    parcel_id = small_lot(w3, registry, p, "LOT-C")
    proposal_id = land.propose_transfer(
        w3, p["alice"], registry, parcel_id, buyer=p["bob"].address, deed_hash=b"\2" * 32
    )
    assert agrees(w3, registry, parcel_id).open_proposal_id == proposal_id
    land.cancel_transfer(w3, p["bob"], registry, proposal_id)
    assert agrees(w3, registry, parcel_id).open_proposal_id == 0


def test_references_longer_than_a_bytes32_are_refused_before_sending():
    with pytest.raises(land.InvalidReference):
        land.to_bytes32("X" * 33)
    assert land.from_bytes32(land.to_bytes32("LOT-1")) == "LOT-1"
    assert land.from_bytes32(land.document_hash("x")).startswith("0x")


def test_demo_story_tells_the_clerk_what_happened(w3, registry, people):
    lines = []
    timeline = demo.land_story(w3, registry, people, lines.append)
    text = "\n".join(lines)
    assert "ParcelEncumbered" in text
    assert "refused: ParcelFrozen" in text
    assert "History agrees with contract storage: yes" in text
    assert timeline.state.status == "Retired"
    assert timeline.state == land.state(registry, timeline.parcel_id)


def test_benchmark_reports_registry_gas_beside_a_plain_erc721(w3, people):
    figures = bench.land_benchmark(w3, people)
    assert set(figures) == {
        "gas.land_register",
        "gas.land_transfer_total",
        "gas.land_lien_add",
        "gas.land_subdivide_2",
        "baseline.erc721_mint",
        "baseline.erc721_transfer",
    }
    assert figures["baseline.erc721_mint"] < figures["gas.land_register"] < 300_000
    assert figures["baseline.erc721_transfer"] < figures["gas.land_transfer_total"] < 300_000
    assert figures["gas.land_subdivide_2"] < 600_000


def test_superseded_expired_proposal_and_retirement_keep_history_and_storage_agreeing(
    w3, registry, people
):
    p = people
    parcel_id = small_lot(w3, registry, p, "LOT-E")
    stale = land.propose_transfer(
        w3,
        p["alice"],
        registry,
        parcel_id,
        buyer=p["bob"].address,
        deed_hash=b"\3" * 32,
        valid_for=60,
    )
    w3.provider.make_request("evm_increaseTime", [120])
    w3.provider.make_request("evm_mine", [])
    fresh = land.propose_transfer(
        w3, p["alice"], registry, parcel_id, buyer=p["school"].address, deed_hash=b"\4" * 32
    )
    assert agrees(w3, registry, parcel_id).open_proposal_id == fresh
    land.cancel_transfer(w3, p["bob"], registry, stale)  # the stale one: pointer untouched
    assert agrees(w3, registry, parcel_id).open_proposal_id == fresh
    land.cancel_transfer(w3, p["school"], registry, fresh)
    children = land.subdivide(
        w3,
        p["registrar"],
        registry,
        parcel_id,
        [
            land.ParcelSpec("LOT-E/1", b"\5" * 32, 4, b"\6" * 32),
            land.ParcelSpec("LOT-E/2", b"\7" * 32, 6, b"\6" * 32),
        ],
    )
    assert agrees(w3, registry, parcel_id).children == tuple(children)
    assert land.proposal(registry, stale).status == "Cancelled"


def test_court_discharge_of_a_lien_is_in_the_parcel_history(w3, registry, people):
    p = people
    parcel_id = small_lot(w3, registry, p, "LOT-D")
    lien_id = land.add_lien(
        w3, p["lender"], registry, parcel_id, amount_ref="EUR-1", document_hash=b"\1" * 32
    )
    land.discharge_lien(w3, p["court"], registry, lien_id, "CASE-2027-0042")
    history = land.history(w3, registry, parcel_id)
    assert history.active_lien_ids == ()
    assert history.entries[-1].event == "LienDischarged"
    assert "discharged by court" in history.entries[-1].summary
    assert "CASE-2027-0042" in history.entries[-1].summary
    agrees(w3, registry, parcel_id)


def test_history_reads_logs_in_block_ranges_a_public_node_allows(w3, registry, people):
    """Public nodes cap eth_getLogs' range: read in chunks of 2 blocks, the history is the same."""
    parcel_id = small_lot(w3, registry, people, "LOT-C")
    whole = land.history(w3, registry, parcel_id)
    requests = []
    make_request = w3.provider.make_request

    def counting(method, params):
        if method == "eth_getLogs":
            requests.append(params[0])
        return make_request(method, params)

    w3.provider.make_request = counting
    try:
        chunked = land.history(w3, registry, parcel_id, log_chunk=2)
    finally:
        w3.provider.make_request = make_request
    assert [(e.block, e.log_index, e.event) for e in chunked.entries] == [
        (e.block, e.log_index, e.event) for e in whole.entries
    ]
    assert chunked.state == whole.state and len(requests) > 1
    assert all(int(q["toBlock"], 16) - int(q["fromBlock"], 16) < 2 for q in requests)
