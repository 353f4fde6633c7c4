"""Earmarking, enforced by the token itself: who, what, when and where tokens can be spent."""

from brownie import chain

from civicledger.benefits import MerchantCategory, bits
from tests.conftest import ANY

from .conftest import DAY, NORTH, SOUTH


def pay(benefit, citizen, merchant, program_id, amount=1):
    return benefit.safeTransferFrom(citizen, merchant, program_id, amount, b"", {"from": citizen})


def test_citizen_pays_an_eligible_merchant_the_wallet_way(benefit, health, give, alice, pharmacy):
    give(health, alice, amount=10)
    tx = pay(benefit, alice, pharmacy, health, 4)
    assert benefit.balanceOf(alice, health) == 6 and benefit.balanceOf(pharmacy, health) == 4
    assert tx.events["TransferSingle"]["to"] == pharmacy


def test_citizen_cannot_pay_another_citizen(benefit, health, give, alice, bob, reverts):
    give(health, alice)
    with reverts("CitizenTransferNotAllowed", health, alice, bob):
        pay(benefit, alice, bob, health)


def test_citizen_cannot_pay_a_suspended_merchant(
    benefit, city, health, give, alice, pharmacy, reverts
):
    give(health, alice)
    benefit.suspendMerchant(pharmacy, "audit", {"from": city})
    with reverts("MerchantSuspended", pharmacy):
        pay(benefit, alice, pharmacy, health)


def test_citizen_cannot_pay_merchant_outside_program_categories(
    benefit, health, give, alice, school, reverts
):
    give(health, alice)
    with reverts("MerchantCategoryNotAllowed", health, school, MerchantCategory.SCHOOL):
        pay(benefit, alice, school, health)


def test_citizen_cannot_pay_merchant_outside_program_district(
    benefit, make_program, merchants, give, alice, grocer, reverts
):
    food = make_program(name="Food 2027", merchantCategories=bits([MerchantCategory.GROCERY]))
    give(food, alice)
    with reverts("MerchantDistrictNotAllowed", food, grocer, SOUTH):
        pay(benefit, alice, grocer, food)


def test_citizen_can_pay_once_the_district_is_added(
    benefit, city, make_program, merchants, give, alice, grocer
):
    food = make_program(name="Food 2027", merchantCategories=bits([MerchantCategory.GROCERY]))
    give(food, alice)
    p = benefit.program(food)
    rules = (p["budget"], p["validUntil"], p["merchantCategories"], bits([NORTH, SOUTH]), 0)
    benefit.changeProgramRules(food, rules, {"from": city})
    pay(benefit, alice, grocer, food)
    assert benefit.balanceOf(grocer, food) == 1


def test_citizen_cannot_pay_before_the_program_starts(
    benefit, make_program, merchants, give, alice, pharmacy, reverts
):
    start = chain.time() + 5 * DAY
    pid = make_program(validFrom=start, validUntil=start + 30 * DAY)
    give(pid, alice)
    with reverts("ProgramNotStarted", pid, start, ANY):
        pay(benefit, alice, pharmacy, pid)


def test_citizen_cannot_pay_after_the_program_expires(
    benefit, health, give, alice, pharmacy, reverts
):
    give(health, alice)
    until = benefit.program(health)["validUntil"]
    chain.sleep(31 * DAY)
    chain.mine()
    with reverts("ProgramExpired", health, until, ANY):
        pay(benefit, alice, pharmacy, health)


def test_merchant_cannot_pass_tokens_on_to_another_merchant(
    benefit, city, make_program, merchants, give, alice, pharmacy, reverts
):
    pid = make_program(
        merchantCategories=bits([MerchantCategory.PHARMACY, MerchantCategory.SCHOOL])
    )
    give(pid, alice)
    pay(benefit, alice, pharmacy, pid)
    with reverts("MerchantTransferNotAllowed", pid, pharmacy, merchants["school"]):
        pay(benefit, pharmacy, merchants["school"], pid)


def test_merchant_cannot_hand_tokens_back_to_a_citizen(
    benefit, health, give, alice, bob, pharmacy, reverts
):
    give(health, alice)
    pay(benefit, alice, pharmacy, health)
    with reverts("MerchantTransferNotAllowed", health, pharmacy, bob):
        pay(benefit, pharmacy, bob, health)


def test_operator_approved_by_citizen_is_held_to_the_same_rules(
    benefit, health, give, alice, bob, reverts
):
    give(health, alice)
    benefit.setApprovalForAll(bob, True, {"from": alice})
    with reverts("CitizenTransferNotAllowed", health, alice, bob):
        benefit.safeTransferFrom(alice, bob, health, 1, b"", {"from": bob})


def test_batch_transfer_checks_every_program(
    benefit, make_program, merchants, give, alice, pharmacy, reverts
):
    health = make_program()
    school_fund = make_program(name="Books", merchantCategories=bits([MerchantCategory.SCHOOL]))
    give(health, alice)
    give(school_fund, alice)
    with reverts("MerchantCategoryNotAllowed", school_fund, pharmacy, MerchantCategory.PHARMACY):
        benefit.safeBatchTransferFrom(
            alice, pharmacy, [health, school_fund], [1, 1], b"", {"from": alice}
        )


def test_paused_token_refuses_payments(benefit, city, health, give, alice, pharmacy, reverts):
    give(health, alice)
    benefit.pause({"from": city})
    with reverts("EnforcedPause"):
        pay(benefit, alice, pharmacy, health)
    benefit.unpause({"from": city})
    pay(benefit, alice, pharmacy, health)
