"""Court freezes: a frozen parcel is not transferred, encumbered, subdivided or merged."""

from .conftest import digest, ref

CASE = ref("CASE-2026-117")


def _spec(name, area):
    return (ref(name), digest(f"geometry {name}"), area, digest(f"deed {name}"))


def test_court_freezes_a_parcel_with_a_case_reference(registry, make_parcel, court):
    parcel_id = make_parcel()
    tx = registry.freeze(parcel_id, CASE, {"from": court})
    assert tx.events["ParcelFreezeOrdered"]["court"] == court
    assert registry.freezeCase(parcel_id) == "0x" + CASE.hex()


def test_only_a_court_can_freeze(registry, make_parcel, registrar, reverts):
    parcel_id = make_parcel()
    with reverts("AccessControlUnauthorizedAccount", registrar, registry.COURT_ROLE()):
        registry.freeze(parcel_id, CASE, {"from": registrar})


def test_freeze_needs_a_case_reference(registry, make_parcel, court, reverts):
    parcel_id = make_parcel()
    with reverts("InvalidCaseReference", parcel_id):
        registry.freeze(parcel_id, bytes(32), {"from": court})


def test_frozen_parcel_cannot_be_frozen_again(registry, make_parcel, court, reverts):
    parcel_id = make_parcel()
    registry.freeze(parcel_id, CASE, {"from": court})
    with reverts("ParcelAlreadyFrozen", parcel_id, CASE):
        registry.freeze(parcel_id, ref("CASE-2"), {"from": court})


def test_frozen_parcel_cannot_be_transferred(
    registry, make_parcel, propose, registrar, court, alice, reverts
):
    parcel_id = make_parcel()
    proposal_id = propose(parcel_id, accept=True)
    registry.freeze(parcel_id, CASE, {"from": court})
    with reverts("ParcelFrozen", parcel_id, CASE):
        registry.approveTransfer(proposal_id, {"from": registrar})
    assert registry.ownerOf(parcel_id) == alice


def test_frozen_parcel_cannot_be_offered_for_sale(registry, make_parcel, propose, court, reverts):
    parcel_id = make_parcel()
    registry.freeze(parcel_id, CASE, {"from": court})
    with reverts("ParcelFrozen", parcel_id, CASE):
        propose(parcel_id)


def test_frozen_parcel_cannot_be_encumbered(registry, make_parcel, add_lien, court, reverts):
    parcel_id = make_parcel()
    registry.freeze(parcel_id, CASE, {"from": court})
    with reverts("ParcelFrozen", parcel_id, CASE):
        add_lien(parcel_id)


def test_frozen_parcel_cannot_be_subdivided(registry, make_parcel, registrar, court, reverts):
    parcel_id = make_parcel(area=100)
    registry.freeze(parcel_id, CASE, {"from": court})
    with reverts("ParcelFrozen", parcel_id, CASE):
        registry.subdivide(parcel_id, [_spec("A", 60), _spec("B", 40)], {"from": registrar})


def test_frozen_parcel_cannot_be_merged(registry, make_parcel, registrar, court, reverts):
    first, second = make_parcel(area=10), make_parcel(area=20)
    registry.freeze(second, CASE, {"from": court})
    with reverts("ParcelFrozen", second, CASE):
        registry.merge([first, second], _spec("M", 30), {"from": registrar})


def test_unfrozen_parcel_can_be_transferred_again(
    registry, make_parcel, propose, registrar, court, bob
):
    parcel_id = make_parcel()
    proposal_id = propose(parcel_id, accept=True)
    registry.freeze(parcel_id, CASE, {"from": court})
    tx = registry.unfreeze(parcel_id, {"from": court})
    assert tx.events["ParcelFreezeLifted"]["caseRef"] == "0x" + CASE.hex()
    registry.approveTransfer(proposal_id, {"from": registrar})
    assert registry.ownerOf(parcel_id) == bob


def test_parcel_that_is_not_frozen_cannot_be_unfrozen(registry, make_parcel, court, reverts):
    parcel_id = make_parcel()
    with reverts("ParcelNotFrozen", parcel_id):
        registry.unfreeze(parcel_id, {"from": court})


def test_only_a_court_can_unfreeze(registry, make_parcel, court, alice, reverts):
    parcel_id = make_parcel()
    registry.freeze(parcel_id, CASE, {"from": court})
    with reverts("AccessControlUnauthorizedAccount", alice, registry.COURT_ROLE()):
        registry.unfreeze(parcel_id, {"from": alice})


def test_lender_can_release_a_lien_on_a_frozen_parcel(
    registry, make_parcel, add_lien, court, lender
):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    registry.freeze(parcel_id, CASE, {"from": court})
    registry.releaseLien(lien_id, {"from": lender})
    assert registry.parcel(parcel_id)["activeLiens"] == 0


def test_retired_parcel_cannot_be_frozen(registry, make_parcel, registrar, court, reverts):
    parcel_id = make_parcel(area=100)
    registry.subdivide(parcel_id, [_spec("A", 50), _spec("B", 50)], {"from": registrar})
    with reverts("ParcelNotLive", parcel_id, 2):
        registry.freeze(parcel_id, CASE, {"from": court})
