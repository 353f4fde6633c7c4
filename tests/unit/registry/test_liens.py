"""Liens: registered by a lender, block a transfer until their lender consents, released by it."""

from .conftest import DAY, digest, later, ref


def test_lender_registers_a_lien(registry, make_parcel, lender):
    parcel_id = make_parcel()
    tx = registry.addLien(parcel_id, ref("EUR-200000"), digest("mortgage"), {"from": lender})
    lien_id = tx.events["LienAdded"]["lienId"]
    charge = registry.lien(lien_id)
    assert (charge["lender"], charge["parcelId"], charge["active"]) == (lender, parcel_id, True)
    assert charge["documentHash"] == "0x" + digest("mortgage").hex()
    assert registry.parcel(parcel_id)["activeLiens"] == 1


def test_account_without_lender_role_or_owner_leave_cannot_register_a_lien(
    registry, make_parcel, bob, reverts
):
    parcel_id = make_parcel()
    with reverts("LenderNotAuthorized", parcel_id, bob):
        registry.addLien(parcel_id, ref("X"), digest("m"), {"from": bob})


def test_owner_authorized_lender_registers_one_lien(registry, make_parcel, alice, school, reverts):
    parcel_id = make_parcel()
    tx = registry.authorizeLender(parcel_id, school, True, {"from": alice})
    assert tx.events["LenderAuthorized"]["authorized"] is True
    assert registry.isLenderAuthorized(parcel_id, school)
    registry.addLien(parcel_id, ref("X"), digest("m"), {"from": school})
    assert not registry.isLenderAuthorized(parcel_id, school)
    with reverts("LenderNotAuthorized", parcel_id, school):
        registry.addLien(parcel_id, ref("X"), digest("m2"), {"from": school})


def test_owner_can_withdraw_a_lender_authorization(registry, make_parcel, alice, school, reverts):
    parcel_id = make_parcel()
    registry.authorizeLender(parcel_id, school, True, {"from": alice})
    registry.authorizeLender(parcel_id, school, False, {"from": alice})
    with reverts("LenderNotAuthorized", parcel_id, school):
        registry.addLien(parcel_id, ref("X"), digest("m"), {"from": school})


def test_only_the_owner_can_authorize_a_lender(registry, make_parcel, alice, bob, school, reverts):
    parcel_id = make_parcel()
    with reverts("NotParcelOwner", parcel_id, bob, alice):
        registry.authorizeLender(parcel_id, school, True, {"from": bob})


def test_lender_authorization_lapses_when_the_title_moves(
    registry, make_parcel, propose, registrar, alice, school, reverts
):
    parcel_id = make_parcel()
    registry.authorizeLender(parcel_id, school, True, {"from": alice})
    registry.approveTransfer(propose(parcel_id, accept=True), {"from": registrar})
    assert not registry.isLenderAuthorized(parcel_id, school)
    with reverts("LenderNotAuthorized", parcel_id, school):
        registry.addLien(parcel_id, ref("X"), digest("m"), {"from": school})


def test_lien_needs_a_document_hash(registry, make_parcel, lender, reverts):
    parcel_id = make_parcel()
    with reverts("InvalidDocument", ref("lien"), bytes(32)):
        registry.addLien(parcel_id, ref("X"), bytes(32), {"from": lender})


def test_parcel_carries_at_most_the_maximum_of_active_liens(
    registry, make_parcel, add_lien, reverts
):
    parcel_id = make_parcel()
    maximum = registry.MAX_ACTIVE_LIENS()
    for _ in range(maximum):
        add_lien(parcel_id)
    with reverts("TooManyLiens", parcel_id, maximum):
        add_lien(parcel_id)


def test_encumbered_parcel_cannot_be_transferred_without_lender_consent(
    registry, make_parcel, add_lien, propose, registrar, alice, reverts
):
    parcel_id = make_parcel()
    add_lien(parcel_id)
    proposal_id = propose(parcel_id, accept=True)
    with reverts("ParcelEncumbered", parcel_id, 1, 0):
        registry.approveTransfer(proposal_id, {"from": registrar})
    assert registry.ownerOf(parcel_id) == alice


def test_encumbered_parcel_transfers_with_lender_consent_and_keeps_its_lien(
    registry, make_parcel, add_lien, propose, registrar, lender, bob
):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    proposal_id = propose(parcel_id, accept=True)
    tx = registry.consentToTransfer(lien_id, proposal_id, {"from": lender})
    assert tx.events["TransferConsented"]["lienId"] == lien_id
    assert registry.lienConsent(lien_id) == proposal_id
    registry.approveTransfer(proposal_id, {"from": registrar})
    assert registry.ownerOf(parcel_id) == bob
    assert registry.lien(lien_id)["active"]
    assert registry.parcel(parcel_id)["activeLiens"] == 1


def test_only_the_lien_lender_can_consent(
    registry, make_parcel, add_lien, propose, lender, bob, reverts
):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    proposal_id = propose(parcel_id)
    with reverts("NotLienLender", lien_id, bob, lender):
        registry.consentToTransfer(lien_id, proposal_id, {"from": bob})


def test_lender_consents_once_per_proposal(
    registry, make_parcel, add_lien, propose, lender, reverts
):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    proposal_id = propose(parcel_id)
    registry.consentToTransfer(lien_id, proposal_id, {"from": lender})
    with reverts("LienConsentAlreadyGiven", lien_id, proposal_id):
        registry.consentToTransfer(lien_id, proposal_id, {"from": lender})


def test_consent_must_name_the_parcels_open_proposal(
    registry, make_parcel, add_lien, propose, lender, alice, reverts
):
    parcel_id, other = make_parcel(), make_parcel()
    lien_id = add_lien(parcel_id)
    other_proposal = propose(other)
    with reverts("ProposalNotOpen", other_proposal):
        registry.consentToTransfer(lien_id, other_proposal, {"from": lender})
    cancelled = propose(parcel_id)
    registry.cancelTransfer(cancelled, {"from": alice})
    with reverts("ProposalNotOpen", cancelled):
        registry.consentToTransfer(lien_id, cancelled, {"from": lender})


def test_lender_cannot_consent_to_an_expired_proposal(
    registry, make_parcel, add_lien, propose, lender, reverts
):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    proposal_id = propose(parcel_id, days=1)
    expires = registry.proposal(proposal_id)["expiresAt"]
    later(2 * DAY)
    with reverts("ProposalExpired", proposal_id, expires):
        registry.consentToTransfer(lien_id, proposal_id, {"from": lender})


def test_lien_added_after_consent_blocks_the_transfer_again(
    registry, make_parcel, add_lien, propose, registrar, lender, reverts
):
    parcel_id = make_parcel()
    first = add_lien(parcel_id)
    proposal_id = propose(parcel_id, accept=True)
    registry.consentToTransfer(first, proposal_id, {"from": lender})
    add_lien(parcel_id)
    with reverts("ParcelEncumbered", parcel_id, 2, 1):
        registry.approveTransfer(proposal_id, {"from": registrar})


def test_consent_for_a_released_lien_no_longer_counts(
    registry, make_parcel, add_lien, propose, registrar, lender, reverts
):
    parcel_id = make_parcel()
    first, second = add_lien(parcel_id), add_lien(parcel_id)
    proposal_id = propose(parcel_id, accept=True)
    registry.consentToTransfer(first, proposal_id, {"from": lender})
    registry.releaseLien(first, {"from": lender})
    assert registry.proposal(proposal_id)["lienConsents"] == 0
    with reverts("ParcelEncumbered", parcel_id, 1, 0):
        registry.approveTransfer(proposal_id, {"from": registrar})
    registry.consentToTransfer(second, proposal_id, {"from": lender})
    registry.approveTransfer(proposal_id, {"from": registrar})


def test_consent_does_not_carry_over_to_a_new_proposal(
    registry, make_parcel, add_lien, propose, registrar, lender, alice, reverts
):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    first = propose(parcel_id)
    registry.consentToTransfer(lien_id, first, {"from": lender})
    registry.cancelTransfer(first, {"from": alice})
    second = propose(parcel_id, accept=True)
    with reverts("ParcelEncumbered", parcel_id, 1, 0):
        registry.approveTransfer(second, {"from": registrar})


def test_lender_releases_its_lien_and_the_parcel_transfers_freely(
    registry, make_parcel, add_lien, propose, registrar, lender, bob
):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    tx = registry.releaseLien(lien_id, {"from": lender})
    assert tx.events["LienReleased"]["lienId"] == lien_id
    assert not registry.lien(lien_id)["active"]
    assert registry.parcel(parcel_id)["activeLiens"] == 0
    registry.approveTransfer(propose(parcel_id, accept=True), {"from": registrar})
    assert registry.ownerOf(parcel_id) == bob


def test_only_the_lender_can_release_its_lien(
    registry, make_parcel, add_lien, lender, alice, reverts
):
    lien_id = add_lien(make_parcel())
    with reverts("NotLienLender", lien_id, alice, lender):
        registry.releaseLien(lien_id, {"from": alice})


def test_lien_cannot_be_released_twice(registry, make_parcel, add_lien, lender, reverts):
    lien_id = add_lien(make_parcel())
    registry.releaseLien(lien_id, {"from": lender})
    with reverts("LienNotActive", lien_id):
        registry.releaseLien(lien_id, {"from": lender})


def test_court_discharges_a_lien_by_court_order(registry, make_parcel, add_lien, court, lender):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    tx = registry.dischargeLien(lien_id, ref("CASE-2027-0042"), {"from": court})
    event = tx.events["LienDischarged"]
    assert (event["parcelId"], event["lienId"], event["court"], event["lender"]) == (
        parcel_id,
        lien_id,
        court,
        lender,
    )
    assert event["caseRef"] == "0x" + ref("CASE-2027-0042").hex()
    assert not registry.lien(lien_id)["active"]
    assert registry.parcel(parcel_id)["activeLiens"] == 0


def test_discharged_lien_no_longer_blocks_a_subdivision(
    registry, make_parcel, add_lien, registrar, court
):
    parcel_id = make_parcel(area=1_000)
    registry.dischargeLien(add_lien(parcel_id), ref("CASE-1"), {"from": court})
    halves = [
        (ref(f"HALF-{i}"), digest(f"half {i}"), 500, digest(f"deed half {i}")) for i in (1, 2)
    ]
    tx = registry.subdivide(parcel_id, halves, {"from": registrar})
    assert len(tx.events["ParcelRegistered"]) == 2


def test_only_a_court_can_discharge_a_lien(
    registry, make_parcel, add_lien, registrar, city, reverts
):
    lien_id = add_lien(make_parcel())
    for caller in (registrar, city):
        with reverts("AccessControlUnauthorizedAccount", caller, registry.COURT_ROLE()):
            registry.dischargeLien(lien_id, ref("CASE-1"), {"from": caller})


def test_lien_discharge_needs_a_case_reference(registry, make_parcel, add_lien, court, reverts):
    parcel_id = make_parcel()
    lien_id = add_lien(parcel_id)
    with reverts("InvalidCaseReference", parcel_id):
        registry.dischargeLien(lien_id, bytes(32), {"from": court})


def test_released_lien_cannot_be_discharged(
    registry, make_parcel, add_lien, court, lender, reverts
):
    lien_id = add_lien(make_parcel())
    registry.releaseLien(lien_id, {"from": lender})
    with reverts("LienNotActive", lien_id):
        registry.dischargeLien(lien_id, ref("CASE-1"), {"from": court})


def test_court_discharges_a_lien_while_the_registry_is_paused(
    registry, make_parcel, add_lien, city, court
):
    lien_id = add_lien(make_parcel())
    registry.pause({"from": city})
    registry.dischargeLien(lien_id, ref("CASE-1"), {"from": court})
    assert not registry.lien(lien_id)["active"]


def test_lender_authorization_does_not_come_back_when_the_title_returns(
    registry, make_parcel, propose, registrar, alice, bob, school, reverts
):
    parcel_id = make_parcel()
    registry.authorizeLender(parcel_id, school, True, {"from": alice})
    registry.approveTransfer(propose(parcel_id, accept=True), {"from": registrar})
    back = propose(parcel_id, seller=bob, buyer=alice)
    registry.acceptTransfer(back, {"from": alice})
    registry.approveTransfer(back, {"from": registrar})
    assert registry.ownerOf(parcel_id) == alice
    assert not registry.isLenderAuthorized(parcel_id, school)
    with reverts("LenderNotAuthorized", parcel_id, school):
        registry.addLien(parcel_id, ref("X"), digest("m"), {"from": school})


def test_owner_can_authorize_a_lender_again_after_the_title_returns(
    registry, make_parcel, propose, registrar, alice, bob, school
):
    parcel_id = make_parcel()
    registry.approveTransfer(propose(parcel_id, accept=True), {"from": registrar})
    back = propose(parcel_id, seller=bob, buyer=alice)
    registry.acceptTransfer(back, {"from": alice})
    registry.approveTransfer(back, {"from": registrar})
    registry.authorizeLender(parcel_id, school, True, {"from": alice})
    assert registry.isLenderAuthorized(parcel_id, school)
    registry.addLien(parcel_id, ref("X"), digest("m"), {"from": school})


def test_ending_a_lien_that_did_not_consent_keeps_the_others_consent(
    registry, make_parcel, add_lien, propose, registrar, lender, court, bob
):
    parcel_id = make_parcel()
    consenting, silent = add_lien(parcel_id), add_lien(parcel_id)
    proposal_id = propose(parcel_id, accept=True)
    registry.consentToTransfer(consenting, proposal_id, {"from": lender})
    registry.dischargeLien(silent, ref("CASE-9"), {"from": court})
    assert registry.proposal(proposal_id)["lienConsents"] == 1
    registry.approveTransfer(proposal_id, {"from": registrar})
    assert registry.ownerOf(parcel_id) == bob
