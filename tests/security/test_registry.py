"""A frozen or encumbered title must not move by any path (ERC-721 approve and transferFrom, the
transfer workflow, subdivision, merger); nobody acts on a proposal or lien that is not theirs;
and areas cannot be made to overflow into a false balance."""

import pytest
from brownie import chain

from civicledger.roles import role_id
from tests.conftest import ANY

from ..unit.registry.conftest import DAY, digest, ref

CASE = ref("CASE-2027-001")
U64 = 2**64 - 1


def spec(tag: str, area: int):
    return (ref(f"LOT-{tag}"), digest(f"geometry {tag}"), area, digest(f"deed {tag}"))


@pytest.fixture
def title(registry, alice, bob):
    """Everything a refused move must leave as it was, for some parcels."""

    def facts(*parcel_ids):
        return (
            registry.balanceOf(alice),
            registry.balanceOf(bob),
            *(
                (tuple(registry.parcel(p)), registry.holderOf(p), registry.freezeCase(p))
                for p in parcel_ids
            ),
        )

    return facts


@pytest.fixture
def frozen(registry, make_parcel, court):
    parcel_id = make_parcel()
    registry.freeze(parcel_id, CASE, {"from": court})
    return parcel_id


@pytest.fixture
def encumbered(registry, make_parcel, add_lien):
    parcel_id = make_parcel()
    add_lien(parcel_id)
    return parcel_id


# ------------------------------------------------------------- the ERC-721 surface stays shut


@pytest.mark.parametrize("state", ["frozen", "encumbered"])
def test_owner_cannot_approve_a_blocked_title_to_anyone(
    registry, request, state, alice, bob, reverts, title
):
    parcel_id = request.getfixturevalue(state)
    before = title(parcel_id)
    with reverts("TitleMovesOnlyThroughWorkflow", parcel_id, alice):
        registry.approve(bob, parcel_id, {"from": alice})
    assert title(parcel_id) == before


@pytest.mark.parametrize("state", ["frozen", "encumbered"])
def test_owner_cannot_transfer_from_a_blocked_title_directly(
    registry, request, state, alice, bob, reverts, title
):
    parcel_id = request.getfixturevalue(state)
    before = title(parcel_id)
    with reverts("TitleMovesOnlyThroughWorkflow", parcel_id, alice):
        registry.transferFrom(alice, bob, parcel_id, {"from": alice})
    assert title(parcel_id) == before


@pytest.mark.parametrize("state", ["frozen", "encumbered"])
def test_owner_cannot_safe_transfer_a_blocked_title_directly(
    registry, request, state, alice, bob, reverts, title
):
    parcel_id = request.getfixturevalue(state)
    before = title(parcel_id)
    with reverts("TitleMovesOnlyThroughWorkflow", parcel_id, alice):
        registry.safeTransferFrom(alice, bob, parcel_id, {"from": alice})
    assert title(parcel_id) == before


def test_operator_approval_is_refused_outright(registry, alice, bob, reverts):
    with reverts("TitleMovesOnlyThroughWorkflow", 0, alice):
        registry.setApprovalForAll(bob, True, {"from": alice})
    assert not registry.isApprovedForAll(alice, bob)


# --------------------------------------------------------------------------------- frozen


def test_frozen_parcel_cannot_be_offered_for_sale(registry, frozen, alice, bob, reverts, title):
    before = title(frozen)
    with reverts("ParcelFrozen", frozen, CASE):
        registry.proposeTransfer(
            frozen, bob, ref("PRICE"), digest("deed"), chain.time() + DAY, {"from": alice}
        )
    assert title(frozen) == before


def test_parcel_frozen_after_the_buyer_accepted_cannot_be_approved(
    registry, make_parcel, propose, court, registrar, reverts, title
):
    parcel_id = make_parcel()
    proposal_id = propose(parcel_id, accept=True)
    registry.freeze(parcel_id, CASE, {"from": court})
    before = title(parcel_id)
    with reverts("ParcelFrozen", parcel_id, CASE):
        registry.approveTransfer(proposal_id, {"from": registrar})
    assert title(parcel_id) == before
    assert registry.proposal(proposal_id)["status"] == 2  # still Accepted, not Completed


def test_frozen_parcel_cannot_be_subdivided(registry, frozen, registrar, reverts, title):
    before = title(frozen)
    with reverts("ParcelFrozen", frozen, CASE):
        registry.subdivide(frozen, [spec("A", 400), spec("B", 600)], {"from": registrar})
    assert title(frozen) == before


def test_frozen_parcel_cannot_be_merged(registry, frozen, make_parcel, registrar, reverts, title):
    other = make_parcel()
    before = title(frozen, other)
    with reverts("ParcelFrozen", frozen, CASE):
        registry.merge([other, frozen], spec("M", 2_000), {"from": registrar})
    assert title(frozen, other) == before


def test_frozen_parcel_cannot_take_a_new_lien(registry, frozen, lender, reverts, title):
    before = title(frozen)
    with reverts("ParcelFrozen", frozen, CASE):
        registry.addLien(frozen, ref("EUR-1"), digest("late lien"), {"from": lender})
    assert title(frozen) == before


# ------------------------------------------------------------------------------ encumbered


def test_encumbered_parcel_cannot_be_approved_without_the_lenders_consent(
    registry, encumbered, propose, registrar, reverts, title
):
    proposal_id = propose(encumbered, accept=True)
    before = title(encumbered)
    with reverts("ParcelEncumbered", encumbered, 1, 0):
        registry.approveTransfer(proposal_id, {"from": registrar})
    assert title(encumbered) == before


def test_lender_consent_to_a_cancelled_proposal_does_not_carry_to_the_next(
    registry, encumbered, propose, lender, alice, registrar, reverts, title
):
    first = propose(encumbered)
    registry.consentToTransfer(1, first, {"from": lender})
    registry.cancelTransfer(first, {"from": alice})
    second = propose(encumbered, accept=True)
    before = title(encumbered)
    with reverts("ParcelEncumbered", encumbered, 1, 0):
        registry.approveTransfer(second, {"from": registrar})
    assert title(encumbered) == before


def test_encumbered_parcel_cannot_be_subdivided(registry, encumbered, registrar, reverts, title):
    before = title(encumbered)
    with reverts("ParcelEncumbered", encumbered, 1, 0):
        registry.subdivide(encumbered, [spec("A", 400), spec("B", 600)], {"from": registrar})
    assert title(encumbered) == before


def test_encumbered_parcel_cannot_be_merged(
    registry, encumbered, make_parcel, registrar, reverts, title
):
    other = make_parcel()
    before = title(encumbered, other)
    with reverts("ParcelEncumbered", encumbered, 1, 0):
        registry.merge([other, encumbered], spec("M", 2_000), {"from": registrar})
    assert title(encumbered, other) == before


# --------------------------------------------------------------- other people's deals and liens


def test_stranger_cannot_accept_someone_elses_proposal(
    registry, make_parcel, propose, carol, bob, reverts
):
    proposal_id = propose(make_parcel())
    with reverts("NotProposedBuyer", proposal_id, carol, bob):
        registry.acceptTransfer(proposal_id, {"from": carol})
    assert registry.proposal(proposal_id)["status"] == 1  # still Open


def test_buyer_cannot_approve_its_own_purchase(registry, make_parcel, propose, bob, reverts, title):
    parcel_id = make_parcel()
    proposal_id = propose(parcel_id, accept=True)
    before = title(parcel_id)
    with reverts("AccessControlUnauthorizedAccount", bob, role_id("REGISTRAR_ROLE")):
        registry.approveTransfer(proposal_id, {"from": bob})
    assert title(parcel_id) == before


def test_stranger_cannot_cancel_someone_elses_proposal(
    registry, make_parcel, propose, carol, reverts
):
    proposal_id = propose(make_parcel(), accept=True)
    with reverts("NotProposalParty", proposal_id, carol):
        registry.cancelTransfer(proposal_id, {"from": carol})
    assert registry.proposal(proposal_id)["status"] == 2  # still Accepted


def test_non_owner_cannot_offer_someone_elses_parcel(
    registry, make_parcel, alice, bob, carol, reverts, title
):
    parcel_id = make_parcel(owner=bob)
    before = title(parcel_id)
    with reverts("NotParcelOwner", parcel_id, alice, bob):
        registry.proposeTransfer(
            parcel_id, carol, ref("PRICE"), digest("deed"), chain.time() + DAY, {"from": alice}
        )
    assert title(parcel_id) == before


def test_lien_on_one_parcel_cannot_consent_to_the_sale_of_another(
    registry, encumbered, make_parcel, propose, lender, reverts
):
    elsewhere = propose(make_parcel())
    with reverts("ProposalNotOpen", elsewhere):
        registry.consentToTransfer(1, elsewhere, {"from": lender})
    assert registry.proposal(elsewhere)["lienConsents"] == 0


def test_stranger_cannot_consent_for_someone_elses_lien(
    registry, encumbered, propose, carol, lender, reverts
):
    proposal_id = propose(encumbered)
    with reverts("NotLienLender", 1, carol, lender):
        registry.consentToTransfer(1, proposal_id, {"from": carol})
    assert registry.proposal(proposal_id)["lienConsents"] == 0


def test_stranger_cannot_release_someone_elses_lien(
    registry, encumbered, carol, lender, reverts, title
):
    before = title(encumbered)
    with reverts("NotLienLender", 1, carol, lender):
        registry.releaseLien(1, {"from": carol})
    assert title(encumbered) == before


def test_lender_leave_does_not_come_back_when_the_title_returns(
    registry, make_parcel, propose, registrar, alice, bob, carol, reverts
):
    """Review finding 4: alice -> bob -> alice must not revive carol's old leave."""
    parcel_id = make_parcel()
    registry.authorizeLender(parcel_id, carol, True, {"from": alice})
    registry.approveTransfer(propose(parcel_id, accept=True), {"from": registrar})
    registry.approveTransfer(
        propose(parcel_id, seller=bob, buyer=alice, accept=True), {"from": registrar}
    )
    with reverts("LenderNotAuthorized", parcel_id, carol):
        registry.addLien(parcel_id, ref("EUR-1"), digest("stale leave"), {"from": carol})
    assert registry.parcel(parcel_id)["activeLiens"] == 0


def test_seller_cannot_block_the_parcel_with_an_everlasting_proposal(
    registry, make_parcel, alice, bob, reverts, title
):
    """Review finding 5: a proposal expiring at 2**40 - 1 would bar subdivision for ever."""
    parcel_id = make_parcel()
    before = title(parcel_id)
    with reverts("ProposalLifetimeTooLong", 2**40 - 1, ANY):
        registry.proposeTransfer(
            parcel_id, bob, ref("PRICE"), digest("deed"), 2**40 - 1, {"from": alice}
        )
    assert title(parcel_id) == before


# ---------------------------------------------------------------------------- area overflow


def test_subdivision_whose_areas_wrap_around_64_bits_is_refused(
    registry, make_parcel, registrar, reverts, title
):
    parcel_id = make_parcel(area=1_000)
    children = [spec("BIG", U64), spec("REST", 1_001)]  # sums to 1,000 modulo 2**64
    before = title(parcel_id)
    with reverts("AreaMismatch", 1_000, U64 + 1_001):
        registry.subdivide(parcel_id, children, {"from": registrar})
    assert title(parcel_id) == before


def test_merger_whose_areas_wrap_around_64_bits_is_refused(
    registry, make_parcel, registrar, reverts, title
):
    first, second = make_parcel(area=U64), make_parcel(area=U64)
    wrapped = (2 * U64) % 2**64
    before = title(first, second)
    with reverts("AreaMismatch", 2 * U64, wrapped):
        registry.merge([first, second], spec("M", wrapped), {"from": registrar})
    assert title(first, second) == before


def test_subdivision_into_a_zero_area_child_is_refused(
    registry, make_parcel, registrar, reverts, title
):
    parcel_id = make_parcel(area=1_000)
    child = spec("EMPTY", 0)
    before = title(parcel_id)
    with reverts("ParcelRecordIncomplete", child[0], child[1], 0, child[3]):
        registry.subdivide(parcel_id, [spec("ALL", 1_000), child], {"from": registrar})
    assert title(parcel_id) == before


def test_parcel_cannot_be_merged_with_itself_to_double_its_area(
    registry, make_parcel, registrar, reverts, title
):
    parcel_id = make_parcel(area=1_000)
    before = title(parcel_id)
    with reverts("ParcelNotLive", parcel_id, 2):  # retired by its first occurrence
        registry.merge([parcel_id, parcel_id], spec("TWICE", 2_000), {"from": registrar})
    assert title(parcel_id) == before


def test_merger_cannot_pull_another_owners_parcel_into_one_title(
    registry, make_parcel, registrar, alice, bob, reverts, title
):
    mine, theirs = make_parcel(owner=alice), make_parcel(owner=bob)
    before = title(mine, theirs)
    with reverts("MergeOwnerMismatch", theirs, bob, alice):
        registry.merge([mine, theirs], spec("GRAB", 2_000), {"from": registrar})
    assert title(mine, theirs) == before
