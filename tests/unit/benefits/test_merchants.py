"""Merchant registry: onboarding, suspension, reinstatement; ERC-7291's isMerchant and MerchantList."""

from brownie import ZERO_ADDRESS, chain

from civicledger.benefits import MerchantCategory
from civicledger.roles import role_id
from tests.conftest import plain

from .conftest import DAY, GRACE, NORTH


def test_merchant_manager_onboards_a_merchant_with_payout(benefit, city, pharmacy, pharmacy_bank):
    tx = benefit.onboardMerchant(
        pharmacy, MerchantCategory.PHARMACY, NORTH, pharmacy_bank, {"from": city}
    )
    assert benefit.isMerchant(pharmacy)
    assert plain(benefit.merchant(pharmacy)) == (
        pharmacy_bank.address,
        MerchantCategory.PHARMACY,
        NORTH,
        1,
    )
    assert tx.events["MerchantList"]["action"] == "add"
    assert tx.events["MerchantList"]["addresses"] == [pharmacy]
    assert tx.events["MerchantOnboarded"]["payout"] == pharmacy_bank
    assert tx.events["MerchantStatusChanged"]["status"] == 1


def test_onboarding_a_suspended_merchant_again_reinstates_it_visibly(
    benefit, city, merchants, pharmacy
):
    benefit.suspendMerchant(pharmacy, "", {"from": city})
    tx = benefit.onboardMerchant(
        pharmacy, MerchantCategory.PHARMACY, NORTH, pharmacy, {"from": city}
    )
    assert benefit.isMerchant(pharmacy)
    assert tx.events["MerchantStatusChanged"]["status"] == 1


def test_unknown_address_is_not_a_merchant(benefit, alice):
    assert not benefit.isMerchant(alice)
    assert benefit.merchant(alice)[3] == 0


def test_merchant_category_must_fit_the_program_bit_set(benefit, city, pharmacy, reverts):
    with reverts("MerchantCategoryOutOfRange", 32):
        benefit.onboardMerchant(pharmacy, 32, NORTH, pharmacy, {"from": city})


def test_merchant_district_must_fit_the_program_bit_set(benefit, city, pharmacy, reverts):
    with reverts("MerchantDistrictOutOfRange", 64):
        benefit.onboardMerchant(pharmacy, 1, 64, pharmacy, {"from": city})


def test_merchant_needs_a_payout_address(benefit, city, pharmacy, reverts):
    with reverts("MerchantInvalid", pharmacy, ZERO_ADDRESS):
        benefit.onboardMerchant(pharmacy, 1, NORTH, ZERO_ADDRESS, {"from": city})


def test_onboarding_needs_merchant_manager_role(benefit, alice, reverts):
    with reverts("AccessControlUnauthorizedAccount", alice, role_id("MERCHANT_MANAGER_ROLE")):
        benefit.onboardMerchant(alice, 1, NORTH, alice, {"from": alice})


def test_suspended_merchant_leaves_the_list_with_a_reason(benefit, city, merchants, pharmacy):
    tx = benefit.suspendMerchant(pharmacy, "fraud investigation 2027-114", {"from": city})
    assert not benefit.isMerchant(pharmacy)
    assert tx.events["MerchantList"]["action"] == "remove"
    assert tx.events["MerchantList"]["metadata"] == "fraud investigation 2027-114"
    assert tx.events["MerchantStatusChanged"]["status"] == 2


def test_reinstated_merchant_is_active_again(benefit, city, merchants, pharmacy):
    benefit.suspendMerchant(pharmacy, "", {"from": city})
    benefit.reinstateMerchant(pharmacy, {"from": city})
    assert benefit.isMerchant(pharmacy)


def test_only_registered_merchants_can_be_suspended(benefit, city, alice, reverts):
    with reverts("MerchantNotRegistered", alice):
        benefit.suspendMerchant(alice, "", {"from": city})


def test_account_holding_live_benefit_tokens_cannot_be_onboarded(
    benefit, city, health, give, alice, reverts
):
    give(health, alice, amount=5)
    with reverts("MerchantHoldsBenefits", alice, health, 5):
        benefit.onboardMerchant(alice, MerchantCategory.PHARMACY, NORTH, alice, {"from": city})


def test_account_holding_only_closed_program_tokens_can_be_onboarded(
    benefit, city, health, give, alice
):
    give(health, alice, amount=5)
    chain.sleep(30 * DAY + GRACE + 1)
    chain.mine()
    benefit.onboardMerchant(alice, MerchantCategory.PHARMACY, NORTH, alice, {"from": city})
    assert benefit.isMerchant(alice)


def test_reonboarding_a_merchant_records_its_payout_change(
    benefit, city, merchants, pharmacy, pharmacy_bank, carol
):
    tx = benefit.onboardMerchant(pharmacy, MerchantCategory.PHARMACY, NORTH, carol, {"from": city})
    event = tx.events["MerchantPayoutChanged"]
    assert (event["merchant"], event["previousPayout"], event["payout"]) == (
        pharmacy,
        pharmacy_bank,
        carol,
    )


def test_first_onboarding_records_no_payout_change(benefit, city, carol):
    tx = benefit.onboardMerchant(carol, MerchantCategory.PHARMACY, NORTH, carol, {"from": city})
    assert "MerchantPayoutChanged" not in tx.events


def test_merchant_needs_an_account(benefit, city, pharmacy_bank, reverts):
    with reverts("MerchantInvalid", ZERO_ADDRESS, pharmacy_bank):
        benefit.onboardMerchant(
            ZERO_ADDRESS, MerchantCategory.PHARMACY, NORTH, pharmacy_bank, {"from": city}
        )


def test_reonboarding_with_the_same_payout_records_no_payout_change(
    benefit, city, merchants, pharmacy, pharmacy_bank
):
    tx = benefit.onboardMerchant(
        pharmacy, MerchantCategory.CLINIC, NORTH, pharmacy_bank, {"from": city}
    )
    assert "MerchantPayoutChanged" not in tx.events
    assert benefit.merchant(pharmacy)["category"] == MerchantCategory.CLINIC
