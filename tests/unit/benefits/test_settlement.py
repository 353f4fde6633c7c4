"""Settlement: funding the escrow, merchants redeeming, and unspent escrow after expiry."""

from brownie import chain

from civicledger.benefits import MerchantCategory, bits
from civicledger.roles import role_id
from tests.conftest import ANY, plain

from .conftest import DAY, FACE, GRACE


def paid(benefit, give, program_id, citizen, merchant, amount):
    give(program_id, citizen, amount=amount)
    benefit.safeTransferFrom(citizen, merchant, program_id, amount, b"", {"from": citizen})


def test_treasurer_funds_a_program_escrow(benefit, stablecoin, treasurer, make_program):
    pid = make_program(fund=False)
    tx = benefit.fundProgram(pid, 50 * FACE, {"from": treasurer})
    assert tx.events["ProgramFunded"]["fundedTotal"] == 50 * FACE
    assert stablecoin.balanceOf(benefit) == 50 * FACE
    assert benefit.programEscrow(pid)["funded"] == 50 * FACE


def test_funding_needs_treasurer_role(benefit, city, health, reverts):
    with reverts("AccessControlUnauthorizedAccount", city, role_id("TREASURER_ROLE")):
        benefit.fundProgram(health, 1, {"from": city})


def test_funding_zero_is_refused(benefit, treasurer, health, reverts):
    with reverts("FundingInvalid", health, 0):
        benefit.fundProgram(health, 0, {"from": treasurer})


def test_expired_program_cannot_be_funded(benefit, treasurer, health, reverts):
    until = benefit.program(health)["validUntil"]
    chain.sleep(31 * DAY)
    chain.mine()
    with reverts("ProgramExpired", health, until, ANY):
        benefit.fundProgram(health, 1, {"from": treasurer})


def test_merchant_redeems_and_is_paid_face_value_at_its_payout(
    benefit, stablecoin, health, give, alice, pharmacy, pharmacy_bank
):
    paid(benefit, give, health, alice, pharmacy, 3)
    tx = benefit.redeem([health], [3], {"from": pharmacy})
    assert stablecoin.balanceOf(pharmacy_bank) == 3 * FACE
    assert benefit.balanceOf(pharmacy, health) == 0
    assert benefit.program(health)["redeemed"] == 3
    unwrap = tx.events["TokenUnwrapForTarget"]
    assert plain((unwrap["from"], unwrap["to"], unwrap["sovTokenValue"])) == (
        pharmacy.address,
        pharmacy_bank.address,
        3 * FACE,
    )
    assert plain(unwrap["tokenIds"]) == (health,) and plain(unwrap["amounts"]) == (3,)
    assert tx.events["TransferSingle"]["to"] == "0x" + "0" * 40


def test_merchant_redeems_several_programs_in_one_transaction(
    benefit, stablecoin, make_program, merchants, give, alice, pharmacy, pharmacy_bank
):
    first, second = make_program(), make_program(name="Clinic", faceValue=2 * FACE)
    paid(benefit, give, first, alice, pharmacy, 2)
    paid(benefit, give, second, alice, pharmacy, 5)
    benefit.redeem([first, second], [2, 5], {"from": pharmacy})
    assert stablecoin.balanceOf(pharmacy_bank) == 2 * FACE + 10 * FACE


def test_redemption_cannot_exceed_what_the_merchant_holds(
    benefit, health, give, alice, pharmacy, reverts
):
    paid(benefit, give, health, alice, pharmacy, 2)
    with reverts("ERC1155InsufficientBalance", pharmacy, 2, 3, health):
        benefit.redeem([health], [3], {"from": pharmacy})


def test_citizen_cannot_redeem(benefit, health, give, alice, reverts):
    give(health, alice)
    with reverts("MerchantNotActive", alice):
        benefit.redeem([health], [1], {"from": alice})


def test_suspended_merchant_still_redeems_what_it_was_paid(
    benefit, stablecoin, city, health, give, alice, pharmacy, pharmacy_bank
):
    paid(benefit, give, health, alice, pharmacy, 1)
    benefit.suspendMerchant(pharmacy, "audit", {"from": city})
    before = stablecoin.balanceOf(pharmacy_bank)
    benefit.redeem([health], [1], {"from": pharmacy})
    assert stablecoin.balanceOf(pharmacy_bank) - before == FACE


def test_suspended_merchant_cannot_be_paid(benefit, city, health, give, alice, pharmacy, reverts):
    give(health, alice, amount=1)
    benefit.suspendMerchant(pharmacy, "audit", {"from": city})
    with reverts("MerchantSuspended", pharmacy):
        benefit.safeTransferFrom(alice, pharmacy, health, 1, b"", {"from": alice})


def test_redemption_arrays_must_match(benefit, health, pharmacy, merchants, reverts):
    with reverts("RedemptionInvalid", 1, 2):
        benefit.redeem([health], [1, 1], {"from": pharmacy})


def test_redeeming_zero_is_refused(benefit, health, pharmacy, merchants, reverts):
    with reverts("RedemptionAmountZero", health):
        benefit.redeem([health], [0], {"from": pharmacy})


def test_merchant_can_redeem_during_the_grace_period(benefit, health, give, alice, pharmacy):
    paid(benefit, give, health, alice, pharmacy, 1)
    chain.sleep(30 * DAY + GRACE // 2)
    chain.mine()
    benefit.redeem([health], [1], {"from": pharmacy})
    assert benefit.program(health)["redeemed"] == 1


def test_rule_changes_do_not_stop_redemption_of_paid_tokens(
    benefit, city, health, give, alice, pharmacy
):
    paid(benefit, give, health, alice, pharmacy, 1)
    p = benefit.program(health)
    rules = (p["budget"], p["validUntil"], bits([MerchantCategory.CLINIC]), p["districts"], 0)
    benefit.changeProgramRules(health, rules, {"from": city})
    benefit.redeem([health], [1], {"from": pharmacy})


def test_merchant_cannot_redeem_after_the_grace_period(
    benefit, health, give, alice, pharmacy, reverts
):
    paid(benefit, give, health, alice, pharmacy, 1)
    closes = benefit.program(health)["validUntil"] + GRACE
    chain.sleep(30 * DAY + GRACE + 10)
    chain.mine()
    with reverts("RedemptionClosed", health, closes, ANY):
        benefit.redeem([health], [1], {"from": pharmacy})


def test_paused_token_refuses_redemption(benefit, city, health, give, alice, pharmacy, reverts):
    paid(benefit, give, health, alice, pharmacy, 1)
    benefit.pause({"from": city})
    with reverts("EnforcedPause"):
        benefit.redeem([health], [1], {"from": pharmacy})


def test_unspent_escrow_cannot_be_withdrawn_while_redemption_is_open(
    benefit, treasurer, health, reverts
):
    closes = benefit.program(health)["validUntil"] + GRACE
    with reverts("RedemptionStillOpen", health, closes, ANY):
        benefit.withdrawUnspent(health, {"from": treasurer})


def test_treasurer_withdraws_exactly_the_unspent_escrow_after_expiry(
    benefit, stablecoin, treasurer, make_program, merchants, give, alice, bob, pharmacy
):
    pid = make_program(budget=100)
    give(pid, alice, bob, amount=10)
    benefit.safeTransferFrom(alice, pharmacy, pid, 4, b"", {"from": alice})
    benefit.redeem([pid], [4], {"from": pharmacy})
    chain.sleep(30 * DAY + GRACE + 1)
    chain.mine()
    before = stablecoin.balanceOf(treasurer)
    tx = benefit.withdrawUnspent(pid, {"from": treasurer})
    assert stablecoin.balanceOf(treasurer) - before == 96 * FACE
    assert tx.events["PBMrevokeWithdraw"]["sovTokenValue"] == 96 * FACE
    escrow = benefit.programEscrow(pid)
    assert plain((escrow["funded"], escrow["paidOut"], escrow["withdrawn"], escrow["balance"])) == (
        100 * FACE,
        4 * FACE,
        96 * FACE,
        0,
    )
    assert escrow["outstandingValue"] == 0


def test_unspent_escrow_is_withdrawn_once(benefit, treasurer, health, reverts):
    chain.sleep(30 * DAY + GRACE + 1)
    chain.mine()
    benefit.withdrawUnspent(health, {"from": treasurer})
    with reverts("NothingToWithdraw", health):
        benefit.withdrawUnspent(health, {"from": treasurer})


def test_expired_tokens_are_reclaimed_and_counted(
    benefit, treasurer, health, give, alice, bob, carol
):
    give(health, alice, bob, amount=7)
    chain.sleep(30 * DAY + GRACE + 1)
    chain.mine()
    tx = benefit.reclaimExpired(health, [alice, bob, carol], {"from": treasurer})
    assert tx.events["TokensReclaimed"]["amount"] == 14
    assert benefit.balanceOf(alice, health) == 0
    p = benefit.program(health)
    assert (p["minted"], p["redeemed"], p["reclaimed"]) == (14, 0, 14)


def test_tokens_cannot_be_reclaimed_while_redemption_is_open(
    benefit, treasurer, health, give, alice, reverts
):
    give(health, alice)
    with reverts("RedemptionStillOpen", health, ANY, ANY):
        benefit.reclaimExpired(health, [alice], {"from": treasurer})


def test_escrow_figures_while_program_runs(benefit, health, give, alice, pharmacy):
    paid(benefit, give, health, alice, pharmacy, 3)
    give(health, alice, amount=5)
    benefit.redeem([health], [2], {"from": pharmacy})
    escrow = benefit.programEscrow(health)
    assert escrow["funded"] == 1_000 * FACE
    assert escrow["paidOut"] == 2 * FACE
    assert escrow["balance"] == 998 * FACE
    assert escrow["outstandingValue"] == 6 * FACE


def test_funding_and_withdrawal_stop_while_paused(benefit, city, treasurer, health, reverts):
    benefit.pause({"from": city})
    with reverts("EnforcedPause"):
        benefit.fundProgram(health, FACE, {"from": treasurer})
    chain.sleep(30 * DAY + GRACE + 1)
    chain.mine()
    with reverts("EnforcedPause"):
        benefit.withdrawUnspent(health, {"from": treasurer})


def test_reclaim_batch_is_bounded(benefit, treasurer, health, alice, reverts):
    chain.sleep(30 * DAY + GRACE + 1)
    chain.mine()
    n = benefit.MAX_BATCH() + 1
    with reverts("ReclaimBatchTooLarge", n, n - 1):
        benefit.reclaimExpired(health, [alice] * n, {"from": treasurer})


def test_closed_program_cannot_be_reopened_after_its_escrow_left(
    benefit, city, treasurer, health, give, alice, reverts
):
    give(health, alice)
    chain.sleep(30 * DAY + GRACE + 1)
    chain.mine()
    benefit.withdrawUnspent(health, {"from": treasurer})
    p = benefit.program(health)
    closes = p["validUntil"] + GRACE
    rules = (p["budget"], p["validUntil"] + 90 * DAY, p["merchantCategories"], p["districts"], 0)
    with reverts("ProgramClosed", health, closes, ANY):
        benefit.changeProgramRules(health, rules, {"from": city})


def test_holder_of_a_program_not_started_yet_cannot_become_a_merchant_to_redeem_it(
    benefit, city, make_program, merchants, give, carol, reverts
):
    start = chain.time() + 5 * DAY
    pid = make_program(validFrom=start, validUntil=start + 30 * DAY)
    give(pid, carol)
    with reverts("MerchantHoldsBenefits", carol, pid, 10):
        benefit.onboardMerchant(carol, MerchantCategory.PHARMACY, 2, carol, {"from": city})


def test_grace_period_is_bounded_at_deployment(city, stablecoin, reverts):
    from brownie import BenefitToken

    with reverts("RedemptionGracePeriodInvalid", 2**255):
        BenefitToken.deploy(city, stablecoin, 2**255, {"from": city})


def test_redeeming_an_unknown_program_names_it(benefit, pharmacy, merchants, reverts):
    with reverts("ProgramNotFound", 99):
        benefit.redeem([99], [1], {"from": pharmacy})


def _pause_across_the_close(benefit, city, health, overlap=DAY):
    """Pauses a day before the program's redemption closes and unpauses `overlap` after it."""
    closes = benefit.program(health)["validUntil"] + GRACE
    chain.sleep(closes - chain.time() - DAY)
    chain.mine()
    benefit.pause({"from": city})
    chain.sleep(DAY + overlap)
    chain.mine()
    return benefit.unpause({"from": city}).timestamp


def test_redemption_stays_open_a_grace_period_after_a_pause_that_covered_its_close(
    benefit, stablecoin, city, treasurer, health, give, alice, pharmacy, pharmacy_bank, reverts
):
    paid(benefit, give, health, alice, pharmacy, 5)
    resumed = _pause_across_the_close(benefit, city, health)
    with reverts("RedemptionStillOpen", health, resumed + GRACE, ANY):
        benefit.withdrawUnspent(health, {"from": treasurer})
    before = stablecoin.balanceOf(pharmacy_bank)
    benefit.redeem([health], [5], {"from": pharmacy})
    assert stablecoin.balanceOf(pharmacy_bank) - before == 5 * FACE


def test_redemption_closes_a_grace_period_after_the_unpause(
    benefit, city, health, give, alice, pharmacy, reverts
):
    paid(benefit, give, health, alice, pharmacy, 5)
    resumed = _pause_across_the_close(benefit, city, health)
    chain.sleep(GRACE + 10)
    chain.mine()
    with reverts("RedemptionClosed", health, resumed + GRACE, ANY):
        benefit.redeem([health], [5], {"from": pharmacy})


def test_program_can_be_extended_after_a_pause_covered_its_close(
    benefit, city, health, give, alice, pharmacy
):
    paid(benefit, give, health, alice, pharmacy, 1)
    _pause_across_the_close(benefit, city, health)
    p = benefit.program(health)
    rules = (p["budget"], chain.time() + 30 * DAY, p["merchantCategories"], p["districts"], 0)
    benefit.changeProgramRules(health, rules, {"from": city})
    assert benefit.program(health)["validUntil"] == rules[1]


def test_pause_after_a_program_closed_does_not_reopen_it(
    benefit, city, treasurer, health, give, alice, pharmacy, reverts
):
    paid(benefit, give, health, alice, pharmacy, 5)
    closes = benefit.program(health)["validUntil"] + GRACE
    chain.sleep(30 * DAY + GRACE + 10)
    chain.mine()
    benefit.withdrawUnspent(health, {"from": treasurer})
    benefit.pause({"from": city})
    benefit.unpause({"from": city})
    with reverts("RedemptionClosed", health, closes, ANY):
        benefit.redeem([health], [5], {"from": pharmacy})


def test_back_to_back_pauses_keep_the_extended_window(benefit, city, health, give, alice, pharmacy):
    paid(benefit, give, health, alice, pharmacy, 5)
    _pause_across_the_close(benefit, city, health)
    chain.sleep(GRACE // 2)
    chain.mine()
    benefit.pause({"from": city})
    chain.sleep(GRACE)
    chain.mine()
    benefit.unpause({"from": city})
    benefit.redeem([health], [5], {"from": pharmacy})


def test_redemption_of_nothing_is_refused(benefit, pharmacy, merchants, reverts):
    with reverts("RedemptionInvalid", 0, 0):
        benefit.redeem([], [], {"from": pharmacy})


def test_redemption_batch_is_bounded(benefit, health, pharmacy, merchants, reverts):
    size = benefit.MAX_BATCH() + 1
    with reverts("RedemptionInvalid", size, size):
        benefit.redeem([health] * size, [1] * size, {"from": pharmacy})


def test_redemption_of_a_program_not_started_names_its_start(
    benefit, make_program, pharmacy, merchants, reverts
):
    start = chain.time() + 5 * DAY
    pid = make_program(validFrom=start, validUntil=start + 30 * DAY)
    with reverts("ProgramNotStarted", pid, start, ANY):
        benefit.redeem([pid], [1], {"from": pharmacy})


def test_pause_and_unpause_each_need_the_other_state_first(benefit, city, reverts):
    with reverts("ExpectedPause"):
        benefit.unpause({"from": city})
    benefit.pause({"from": city})
    with reverts("EnforcedPause"):
        benefit.pause({"from": city})
    benefit.unpause({"from": city})
    assert not benefit.paused()
