"""Owner proposes, buyer accepts, registrar approves; either party may cancel before approval."""

import brownie
from brownie import chain

from tests.conftest import ANY

from .conftest import DAY, digest, later, ref

OPEN, ACCEPTED, CANCELLED, COMPLETED = 1, 2, 3, 4


def test_approved_transfer_moves_title_and_records_new_deed(
    registry, make_parcel, registrar, alice, bob
):
    parcel_id = make_parcel()
    expires = chain.time() + 7 * DAY
    tx = registry.proposeTransfer(
        parcel_id, bob, ref("PRICE-1"), digest("deed 2"), expires, {"from": alice}
    )
    proposal_id = tx.events["TransferProposed"]["proposalId"]
    assert registry.parcel(parcel_id)["openProposalId"] == proposal_id
    registry.acceptTransfer(proposal_id, {"from": bob})
    tx = registry.approveTransfer(proposal_id, {"from": registrar})

    event = tx.events["TitleTransferred"]
    assert (event["parcelId"], event["from"], event["to"]) == (parcel_id, alice, bob)
    assert event["registrar"] == registrar
    assert registry.ownerOf(parcel_id) == bob
    record = registry.parcel(parcel_id)
    assert record["deedHash"] == "0x" + digest("deed 2").hex()
    assert record["openProposalId"] == 0
    assert registry.proposal(proposal_id)["status"] == COMPLETED


def test_only_the_owner_can_propose_a_transfer(registry, make_parcel, alice, bob, reverts):
    parcel_id = make_parcel()
    with reverts("NotParcelOwner", parcel_id, bob, alice):
        registry.proposeTransfer(
            parcel_id, bob, ref("P"), digest("d"), chain.time() + DAY, {"from": bob}
        )


def test_unknown_parcel_cannot_be_proposed(registry, alice, bob, reverts):
    with reverts("ParcelNotLive", 42, 0):
        registry.proposeTransfer(
            42, bob, ref("P"), digest("d"), chain.time() + DAY, {"from": alice}
        )


def test_owner_cannot_sell_to_themselves(registry, make_parcel, alice, reverts):
    parcel_id = make_parcel()
    with reverts("InvalidBuyer", parcel_id, alice):
        registry.proposeTransfer(
            parcel_id, alice, ref("P"), digest("d"), chain.time() + DAY, {"from": alice}
        )


def test_buyer_cannot_be_the_zero_address(registry, make_parcel, alice, reverts):
    parcel_id = make_parcel()
    with reverts("InvalidBuyer", parcel_id, brownie.ZERO_ADDRESS):
        registry.proposeTransfer(
            parcel_id,
            brownie.ZERO_ADDRESS,
            ref("P"),
            digest("d"),
            chain.time() + DAY,
            {"from": alice},
        )


def test_proposal_expiry_must_be_in_the_future(registry, make_parcel, alice, bob):
    parcel_id = make_parcel()
    with brownie.reverts(revert_pattern=r"InvalidExpiry: 1, \d+"):
        registry.proposeTransfer(parcel_id, bob, ref("P"), digest("d"), 1, {"from": alice})


def test_proposal_needs_the_new_deed_hash(registry, make_parcel, alice, bob, reverts):
    parcel_id = make_parcel()
    with reverts("MissingDeedHash", parcel_id):
        registry.proposeTransfer(
            parcel_id, bob, ref("P"), bytes(32), chain.time() + DAY, {"from": alice}
        )


def test_parcel_has_at_most_one_open_proposal(registry, make_parcel, propose, school, reverts):
    parcel_id = make_parcel()
    first = propose(parcel_id)
    with reverts("ParcelHasOpenProposal", parcel_id, first):
        propose(parcel_id, buyer=school)


def test_expired_proposal_is_superseded_by_a_new_one(registry, make_parcel, propose, school):
    parcel_id = make_parcel()
    propose(parcel_id, days=1)
    later(2 * DAY)
    second = propose(parcel_id, buyer=school)
    assert registry.parcel(parcel_id)["openProposalId"] == second


def test_only_the_buyer_can_accept(registry, make_parcel, propose, alice, bob, reverts):
    proposal_id = propose(make_parcel())
    with reverts("NotProposedBuyer", proposal_id, alice, bob):
        registry.acceptTransfer(proposal_id, {"from": alice})


def test_proposal_cannot_be_accepted_twice(registry, make_parcel, propose, bob, reverts):
    proposal_id = propose(make_parcel(), accept=True)
    with reverts("ProposalNotInStatus", proposal_id, ACCEPTED, OPEN):
        registry.acceptTransfer(proposal_id, {"from": bob})


def test_expired_proposal_cannot_be_accepted(registry, make_parcel, propose, bob, reverts):
    proposal_id = propose(make_parcel(), days=1)
    expires = registry.proposal(proposal_id)["expiresAt"]
    later(2 * DAY)
    with reverts("ProposalExpired", proposal_id, expires):
        registry.acceptTransfer(proposal_id, {"from": bob})


def test_registrar_cannot_approve_before_the_buyer_accepts(
    registry, make_parcel, propose, registrar, reverts
):
    proposal_id = propose(make_parcel())
    with reverts("ProposalNotInStatus", proposal_id, OPEN, ACCEPTED):
        registry.approveTransfer(proposal_id, {"from": registrar})


def test_expired_proposal_cannot_be_approved(registry, make_parcel, propose, registrar, reverts):
    proposal_id = propose(make_parcel(), days=1, accept=True)
    expires = registry.proposal(proposal_id)["expiresAt"]
    later(2 * DAY)
    with reverts("ProposalExpired", proposal_id, expires):
        registry.approveTransfer(proposal_id, {"from": registrar})


def test_only_a_registrar_can_approve(registry, make_parcel, propose, bob, reverts):
    proposal_id = propose(make_parcel(), accept=True)
    with reverts("AccessControlUnauthorizedAccount", bob, registry.REGISTRAR_ROLE()):
        registry.approveTransfer(proposal_id, {"from": bob})


def test_owner_can_cancel_before_approval(registry, make_parcel, propose, alice):
    parcel_id = make_parcel()
    proposal_id = propose(parcel_id, accept=True)
    tx = registry.cancelTransfer(proposal_id, {"from": alice})
    assert tx.events["TransferCancelled"]["cancelledBy"] == alice
    assert registry.proposal(proposal_id)["status"] == CANCELLED
    assert registry.parcel(parcel_id)["openProposalId"] == 0


def test_buyer_can_cancel_before_approval(registry, make_parcel, propose, bob):
    proposal_id = propose(make_parcel())
    registry.cancelTransfer(proposal_id, {"from": bob})
    assert registry.proposal(proposal_id)["status"] == CANCELLED


def test_a_stranger_cannot_cancel(registry, make_parcel, propose, school, reverts):
    proposal_id = propose(make_parcel())
    with reverts("NotProposalParty", proposal_id, school):
        registry.cancelTransfer(proposal_id, {"from": school})


def test_cancelled_proposal_cannot_be_approved(
    registry, make_parcel, propose, registrar, alice, reverts
):
    proposal_id = propose(make_parcel(), accept=True)
    registry.cancelTransfer(proposal_id, {"from": alice})
    with reverts("ProposalNotInStatus", proposal_id, CANCELLED, ACCEPTED):
        registry.approveTransfer(proposal_id, {"from": registrar})


def test_approved_transfer_cannot_be_cancelled(
    registry, make_parcel, propose, registrar, alice, reverts
):
    proposal_id = propose(make_parcel(), accept=True)
    registry.approveTransfer(proposal_id, {"from": registrar})
    with reverts("ProposalNotInStatus", proposal_id, COMPLETED, OPEN):
        registry.cancelTransfer(proposal_id, {"from": alice})


def test_superseded_proposal_cannot_be_approved(
    registry, make_parcel, propose, registrar, school, reverts
):
    parcel_id = make_parcel()
    old = propose(parcel_id, days=1, accept=True)
    later(2 * DAY)
    propose(parcel_id, buyer=school)
    expires = registry.proposal(old)["expiresAt"]
    with reverts("ProposalExpired", old, expires):
        registry.approveTransfer(old, {"from": registrar})


def test_new_owner_can_sell_on_and_old_owner_cannot(
    registry, make_parcel, propose, registrar, alice, bob, school, reverts
):
    parcel_id = make_parcel()
    registry.approveTransfer(propose(parcel_id, accept=True), {"from": registrar})
    with reverts("NotParcelOwner", parcel_id, alice, bob):
        propose(parcel_id, seller=alice, buyer=school)
    propose(parcel_id, seller=bob, buyer=school)


def test_proposal_lifetime_is_bounded(registry, make_parcel, alice, bob, reverts):
    parcel_id = make_parcel()
    expires = 2**40 - 1
    with reverts("ProposalLifetimeTooLong", expires, ANY):
        registry.proposeTransfer(parcel_id, bob, ref("P"), digest("deed"), expires, {"from": alice})


def test_proposal_may_run_for_the_whole_maximum_lifetime(registry, make_parcel, alice, bob):
    expires = chain.time() + registry.MAX_PROPOSAL_LIFETIME() - 60
    tx = registry.proposeTransfer(
        make_parcel(), bob, ref("P"), digest("deed"), expires, {"from": alice}
    )
    assert tx.events["TransferProposed"]["expiresAt"] == expires


def test_registrar_cancels_a_proposal_that_blocks_the_parcel(
    registry, make_parcel, propose, registrar
):
    parcel_id = make_parcel()
    proposal_id = propose(parcel_id, accept=True)
    tx = registry.cancelTransfer(proposal_id, {"from": registrar})
    assert tx.events["TransferCancelled"]["cancelledBy"] == registrar
    assert registry.proposal(proposal_id)["status"] == CANCELLED
    assert registry.parcel(parcel_id)["openProposalId"] == 0


def test_cancelling_a_superseded_expired_proposal_leaves_the_new_one_open(
    registry, make_parcel, propose, alice, school
):
    parcel_id = make_parcel()
    first = propose(parcel_id, days=1)
    later(2 * DAY)
    second = propose(parcel_id, buyer=school)
    tx = registry.cancelTransfer(first, {"from": alice})
    assert tx.events["TransferCancelled"]["proposalId"] == first
    assert registry.parcel(parcel_id)["openProposalId"] == second
    assert registry.proposal(second)["status"] == OPEN
