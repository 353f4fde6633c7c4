"""Documents attached over time, and the pauser's emergency stop."""

import brownie

from .conftest import digest, ref


def test_owner_attaches_documents_over_time(registry, make_parcel, alice):
    parcel_id = make_parcel()
    tx = registry.attachDocument(
        parcel_id, ref("survey"), digest("survey 2026"), "ipfs://survey", {"from": alice}
    )
    assert tx.events["DocumentAttached"]["uri"] == "ipfs://survey"
    assert tx.events["DocumentAttached"]["index"] == 0
    registry.attachDocument(
        parcel_id, ref("photo"), digest("photo"), "ipfs://photo", {"from": alice}
    )
    assert registry.documentCount(parcel_id) == 2
    assert registry.document(parcel_id, 1) == (
        "0x" + ref("photo").hex(),
        "0x" + digest("photo").hex(),
    )


def test_registrar_and_court_attach_documents(registry, make_parcel, registrar, court):
    parcel_id = make_parcel()
    registry.attachDocument(parcel_id, ref("plan"), digest("plan"), "", {"from": registrar})
    registry.attachDocument(parcel_id, ref("court-order"), digest("order"), "", {"from": court})
    assert registry.documentCount(parcel_id) == 2


def test_a_stranger_cannot_attach_documents(registry, make_parcel, bob, reverts):
    parcel_id = make_parcel()
    with reverts("NotAuthorizedForParcel", parcel_id, bob):
        registry.attachDocument(parcel_id, ref("x"), digest("x"), "", {"from": bob})


def test_document_needs_a_kind_and_a_hash(registry, make_parcel, alice, reverts):
    parcel_id = make_parcel()
    with reverts("InvalidDocument", ref("survey"), bytes(32)):
        registry.attachDocument(parcel_id, ref("survey"), bytes(32), "", {"from": alice})


def test_document_without_a_kind_is_refused(registry, make_parcel, alice, reverts):
    parcel_id = make_parcel()
    zero = bytes(32)
    with reverts("InvalidDocument", zero, digest("survey")):
        registry.attachDocument(parcel_id, zero, digest("survey"), "", {"from": alice})


def test_documents_attach_only_to_known_parcels(registry, registrar, reverts):
    with reverts("ParcelNotLive", 77, 0):
        registry.attachDocument(77, ref("x"), digest("x"), "", {"from": registrar})


def test_paused_registry_refuses_registrations_and_resumes(registry, make_parcel, city, reverts):
    registry.pause({"from": city})
    with reverts("EnforcedPause"):
        make_parcel()
    registry.unpause({"from": city})
    assert make_parcel() == 1


def test_only_a_pauser_can_pause(registry, registrar, reverts):
    with reverts("AccessControlUnauthorizedAccount", registrar, registry.PAUSER_ROLE()):
        registry.pause({"from": registrar})


def test_paused_registry_refuses_transfers(
    registry, make_parcel, propose, registrar, city, reverts
):
    proposal_id = propose(make_parcel(), accept=True)
    registry.pause({"from": city})
    with reverts("EnforcedPause"):
        registry.approveTransfer(proposal_id, {"from": registrar})


def test_pause_never_traps_parties_courts_or_lenders(
    registry, make_parcel, propose, add_lien, city, court, lender, alice
):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    proposal_id = propose(parcel_id)
    registry.pause({"from": city})
    registry.cancelTransfer(proposal_id, {"from": alice})
    registry.releaseLien(lien_id, {"from": lender})
    registry.freeze(parcel_id, ref("CASE-1"), {"from": court})
    registry.unfreeze(parcel_id, {"from": court})
    assert registry.paused()


def test_admin_holds_no_working_role_by_default(registry, city):
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), city)
    fresh = brownie.LandRegistry.deploy(city, "", {"from": city})
    assert not fresh.hasRole(fresh.REGISTRAR_ROLE(), city)
