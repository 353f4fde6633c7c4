"""Reconciliation: a deployment after a realistic story agrees with its events to the unit; money
sent around `fundProgram`, a storage slot altered behind the contract's back, or an event missing
from the record is reported; the log cache makes a second run read only the new blocks."""

import itertools
import json

import pytest
from eth_account import Account
from eth_utils import keccak

from civicledger import benefits, chain, distribution, land, payments, reconcile, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.deploy import deploy_suite
from tests.conftest import set_storage_at

FACE = 1_000_000
DAY = 86400


def citizens(count, tag):
    return [Account.from_key(keccak(text=f"reconcile {tag} {i}")) for i in range(count)]


@pytest.fixture(scope="module")
def suite(w3, city, signer, tmp_path_factory):
    return deploy_suite(w3, signer(city), deployments=tmp_path_factory.mktemp("deployments"))


@pytest.fixture(scope="module")
def story(w3, suite, city, treasurer, registrar, alice, bob, grocer, pharmacy, signer):
    """Two programs through their whole life, and two parcels, one of them sold."""
    from brownie import chain as brownie_chain

    admin, treasury = signer(city), signer(treasurer)
    token, usd, registry = suite.benefits, suite.stablecoin, suite.registry
    staff = ("PROGRAM_MANAGER_ROLE", "MERCHANT_MANAGER_ROLE", "DISTRIBUTOR_ROLE")
    roles.grant_roles(
        w3, admin, token, dict.fromkeys(staff, city.address) | {"TREASURER_ROLE": treasurer.address}
    )
    chain.transact(w3, admin, usd.functions.mint(treasurer.address, 10**12))
    benefits.onboard_merchant(w3, admin, token, grocer.address, MerchantCategory.GROCERY, 2)
    benefits.onboard_merchant(w3, admin, token, pharmacy.address, MerchantCategory.PHARMACY, 2)

    def program(name, days, merchant_category):
        now = w3.eth.get_block("latest")["timestamp"]
        config = benefits.ProgramConfig(
            name=name,
            category=ProgramCategory.SOCIAL_WELFARE,
            face_value=FACE,
            budget=1_000,
            valid_from=now - 60,
            valid_until=now + days * DAY,
            merchant_categories=bits([merchant_category]),
            districts=bits([2]),
            per_citizen_cap=50,
        )
        pid = benefits.create_program(w3, admin, token, config)
        benefits.fund_program(w3, treasury, token, usd, pid, 600 * FACE)
        return pid

    food = program("Food 2027", 90, MerchantCategory.GROCERY)
    winter = program("Winter Health", 1, MerchantCategory.PHARMACY)
    benefits.change_rules(w3, admin, token, food, budget=1_200)

    families = citizens(12, "family")
    for pid, tag in ((food, "jan"), (winter, "w")):
        distribution.distribute(
            w3, admin, token, pid, [(f.address, 10) for f in families], run_id=tag, batch_size=5
        )
    chain.send_ether(w3, admin, families[0].address, 10**16)
    chain.transact(
        w3,
        families[0],
        token.functions.safeTransferFrom(families[0].address, grocer.address, food, 3, b""),
    )
    chain.transact(
        w3,
        families[0],
        token.functions.safeTransferFrom(families[0].address, pharmacy.address, winter, 4, b""),
    )
    now = w3.eth.get_block("latest")["timestamp"]
    for merchant, pid, amount in ((grocer, food, 2), (pharmacy, winter, 1)):
        signed = payments.authorize(
            families[1],
            merchant=merchant.address,
            program_id=pid,
            amount=amount,
            chain_id=w3.eth.chain_id,
            verifying_contract=token.address,
            valid_after=now - 60,
        )
        payments.submit(w3, signer(merchant), token, signed)
    benefits.redeem(w3, signer(grocer), token, {food: 3})
    benefits.redeem(w3, signer(pharmacy), token, {winter: 2})  # 2 of its 4 stay in its till

    brownie_chain.sleep(32 * DAY)  # winter's redemption window (1 day + 30 days' grace) closes
    brownie_chain.mine()
    chain.transact(w3, treasury, token.functions.withdrawUnspent(winter))
    chain.transact(
        w3, treasury, token.functions.reclaimExpired(winter, [f.address for f in families[:6]])
    )

    land.ensure_roles(w3, admin, registry, {"registrar": signer(registrar)})
    lots = [
        land.register(
            w3,
            signer(registrar),
            registry,
            owner=alice.address,
            cadastral_ref=ref,
            geometry_hash=land.document_hash(f"survey {ref}"),
            area=500,
            deed_hash=land.document_hash(f"deed {ref}"),
        )
        for ref in ("LOT-R-1", "LOT-R-2")
    ]
    proposal = land.propose_transfer(
        w3, signer(alice), registry, lots[0], buyer=bob.address, deed_hash=land.document_hash("d")
    )
    land.accept_transfer(w3, signer(bob), registry, proposal)
    land.approve_transfer(w3, signer(registrar), registry, proposal)
    return {"food": food, "winter": winter, "families": families, "treasury": treasury}


def audit(w3, suite, **kwargs):
    blocks = suite.manifest.contracts
    return reconcile.reconcile(
        w3,
        suite.benefits,
        suite.stablecoin,
        token_block=blocks["BenefitToken"]["block"],
        registry=suite.registry,
        registry_block=blocks["LandRegistry"]["block"],
        **kwargs,
    )


def figures(result, program_id):
    (report,) = [p for p in result.programs if p.program_id == program_id]
    return {r.figure: (r.events, r.contract) for r in report.rows}


def test_clean_deployment_after_a_whole_story_reconciles_with_zero_differences(w3, suite, story):
    result = audit(w3, suite)

    assert result.differences == 0, result.as_dict()
    food, winter = figures(result, story["food"]), figures(result, story["winter"])
    assert food["budget"] == (1_200, 1_200)
    assert food["minted"] == food["minted (mints)"] == (120, 120)
    assert food["to merchants"] == (3, None) and food["redeemed"] == (5, 5)
    assert food["paid out"] == (5 * FACE, 5 * FACE)
    assert winter["reclaimed"][0] == 6 * 10 - 4 - 1  # families 0-5, less what 0 and 1 spent
    assert winter["held by merchants"] == (2, 2)  # the pharmacy never redeemed the other 2
    assert winter["withdrawn"] == ((600 - 3) * FACE, (600 - 3) * FACE)
    assert winter["escrow balance"] == (0, 0)
    stablecoin_row = result.totals[-1]
    assert stablecoin_row.events == stablecoin_row.contract == (600 - 5) * FACE
    assert result.parcels == 2 and not result.parcel_differences


def test_a_registry_transaction_mined_after_the_audits_head_shows_no_difference(
    w3, suite, story, registrar, signer
):
    """Events and storage are read at one block: a document attached meanwhile is not half-seen."""
    head = w3.eth.block_number
    land.attach_document(
        w3, signer(registrar), suite.registry, 1, kind="survey", document_hash=b"\7" * 32
    )

    result = audit(w3, suite, head=head)

    assert result.head == head and not result.parcel_differences, result.as_dict()


def test_stablecoin_sent_straight_to_the_token_is_reported_as_a_surplus(w3, suite, story):
    token, usd = suite.benefits, suite.stablecoin
    receipt = chain.transact(w3, story["treasury"], usd.functions.transfer(token.address, 7 * FACE))

    result = audit(w3, suite)

    held = result.totals[-1]
    assert held.figure == "stablecoin held by BenefitToken" and held.difference == 7 * FACE
    assert result.differences == 1  # every program's escrow still agrees with its events
    (inflow,) = result.unexplained_inflows
    assert (inflow.tx_hash, inflow.amount) == (receipt.tx_hash, 7 * FACE)


def supply_slot(w3, token, program_id, budget, minted):
    """The storage slot of `_supply[program_id]` (budget, minted, reclaimed, cap packed in
    uint40s), found by its content among the first mapping slots of the layout."""
    for base in range(40):
        slot = keccak(program_id.to_bytes(32, "big") + base.to_bytes(32, "big"))
        word = int.from_bytes(w3.eth.get_storage_at(token.address, slot), "big")
        if word & (2**40 - 1) == budget and (word >> 40) & (2**40 - 1) == minted:
            return slot, word
    raise AssertionError("no _supply slot found")


def test_storage_altered_outside_the_contracts_rules_is_reported(w3, suite, story):
    token, food = suite.benefits, story["food"]
    slot, word = supply_slot(w3, token, food, 1_200, 120)
    set_storage_at(token.address, slot, word + (5 << 40))
    assert benefits.program(token, food).minted == 125  # storage now claims 5 unbacked tokens

    result = audit(w3, suite)

    differing = {
        (p.program_id, r.figure): r.difference
        for p in result.programs
        for r in p.rows
        if r.difference
    }
    assert differing == {(food, "minted"): 5, (food, "minted (mints)"): 5}


def test_an_event_missing_from_the_record_is_reported(w3, suite, story, tmp_path):
    cache = tmp_path / "logs.json"
    audit(w3, suite, cache=reconcile.LogCache(cache))
    data = json.loads(cache.read_text())
    funded = "0x" + keccak(text="ProgramFunded(uint256,address,uint256,uint256)").hex()
    key = reconcile.LogCache.key(w3.eth.chain_id, suite.benefits.address)
    logs = data["streams"][key]["logs"]
    (dropped,) = [
        log for log in logs if log["topics"][0] == funded and int(log["topics"][1], 16) == 1
    ]
    logs.remove(dropped)
    cache.write_text(json.dumps(data))

    result = audit(w3, suite, cache=reconcile.LogCache(cache))

    assert figures(result, 1)["escrow funded"] == (0, 600 * FACE)
    assert result.totals[-1].difference == 600 * FACE  # the escrow's money looks unexplained
    assert result.differences == 4  # funded, balance, and two all-programs rows


class LogRanges:
    """Spies on eth_getLogs: every (fromBlock, toBlock) requested, per address."""

    def __init__(self, monkeypatch, w3):
        self.calls = []
        real = w3.provider.make_request

        def spy(method, params):
            if method == "eth_getLogs":
                q = params[0]
                self.calls.append((q["address"], int(q["fromBlock"], 16), int(q["toBlock"], 16)))
            return real(method, params)

        monkeypatch.setattr(w3.provider, "make_request", spy)


def test_logs_are_read_in_chunks_and_a_second_run_reads_only_new_blocks(
    w3, suite, story, tmp_path, monkeypatch
):
    spy = LogRanges(monkeypatch, w3)
    cache = tmp_path / "logs.json"
    start = suite.manifest.contracts["BenefitToken"]["block"]

    first = audit(w3, suite, cache=reconcile.LogCache(cache), log_chunk=7)
    token_ranges = [(a, b) for addr, a, b in spy.calls if addr == suite.benefits.address]
    assert all(b - a + 1 <= 7 for a, b in token_ranges)
    assert token_ranges[0][0] == start and token_ranges[-1][1] == first.head
    assert all(b + 1 == c for (_, b), (c, _) in itertools.pairwise(token_ranges))

    benefits.fund_program(
        w3, story["treasury"], suite.benefits, suite.stablecoin, story["food"], 10 * FACE
    )
    spy.calls.clear()
    second = audit(w3, suite, cache=reconcile.LogCache(cache), log_chunk=7)

    assert spy.calls and all(a > first.head for _, a, _ in spy.calls)
    assert {b for _, _, b in spy.calls} == {second.head}
    assert second.differences == 0
    assert figures(second, story["food"])["escrow funded"] == (610 * FACE, 610 * FACE)


def test_a_cache_from_a_chain_that_since_changed_is_read_again(w3, suite, story, tmp_path):
    from brownie import chain as brownie_chain

    cache = tmp_path / "logs.json"
    brownie_chain.snapshot()
    benefits.fund_program(
        w3, story["treasury"], suite.benefits, suite.stablecoin, story["food"], 10 * FACE
    )
    audit(w3, suite, cache=reconcile.LogCache(cache))
    brownie_chain.revert()  # the funding is gone; the cache still holds its event
    brownie_chain.mine(3)  # and the chain is as tall as before, with other blocks

    result = audit(w3, suite, cache=reconcile.LogCache(cache))

    assert result.differences == 0
    assert result.ranges[0][1] == suite.manifest.contracts["BenefitToken"]["block"]


def test_a_redemption_of_several_programs_in_one_batch_counts_each_programs_tokens():
    shop, citizen = (Account.from_key(keccak(text=t)).address for t in ("shop", "citizen"))
    event = lambda name, **args: reconcile.Event(name, args, 1, 0, "0x")  # noqa: E731
    batch = {"operator": shop, "ids": [1, 2]}
    ledger = reconcile.token_ledger(
        [
            event("MerchantOnboarded", merchant=shop),
            event("TransferBatch", **batch, values=[5, 6], to=citizen, **{"from": reconcile.ZERO}),
            event("TransferBatch", **batch, values=[5, 6], to=shop, **{"from": citizen}),
            event("TransferBatch", **batch, values=[3, 4], to=reconcile.ZERO, **{"from": shop}),
        ]
    )
    one, two = ledger.programs[1], ledger.programs[2]
    assert (one.mints, one.to_merchants, one.merchant_burns, one.burnt) == (5, 5, 3, 3)
    assert (two.mints, two.to_merchants, two.merchant_burns, two.burnt) == (6, 6, 4, 4)
    assert dict(two.balances) == {citizen: 0, shop: 2}
