"""Money attacks: taking out more than was put in, from a program that cannot pay, or escrow
that still backs tokens; and stablecoins that are not the 6-decimal, plain ERC-20 assumed."""

import pytest
from brownie import (
    EighteenDecimalStablecoin,
    FeeOnTransferStablecoin,
    NoReturnStablecoin,
    chain,
)

from civicledger import chain as chain_io
from civicledger import deploy
from civicledger.benefits import MerchantCategory
from civicledger.errors import ConfigError
from tests.conftest import ANY

from ..unit.benefits.conftest import DAY, FACE, GRACE, NORTH, benefit_token_on, program_config
from .conftest import authorization, sign_typed


def paid(benefit, citizen, merchant, program_id, amount):
    benefit.safeTransferFrom(citizen, merchant, program_id, amount, b"", {"from": citizen})


def ledger(benefit, stablecoin, program_id, *holders):
    """Everything a refused money move must leave as it was."""
    return (
        tuple(benefit.program(program_id)),
        tuple(benefit.programEscrow(program_id)),
        stablecoin.balanceOf(benefit),
        *(benefit.balanceOf(h, program_id) for h in holders),
        *(stablecoin.balanceOf(h) for h in holders),
    )


# ----------------------------------------------------------------------------- taking too much


def test_merchant_cannot_redeem_more_than_it_holds(
    benefit, stablecoin, health, give, alice, pharmacy, pharmacy_bank, reverts
):
    give(health, alice)
    paid(benefit, alice, pharmacy, health, 3)
    before = ledger(benefit, stablecoin, health, pharmacy, pharmacy_bank)
    with reverts("ERC1155InsufficientBalance", pharmacy, 3, 4, health):
        benefit.redeem([health], [4], {"from": pharmacy})
    assert ledger(benefit, stablecoin, health, pharmacy, pharmacy_bank) == before


def test_merchant_cannot_redeem_one_holding_twice_in_one_batch(
    benefit, stablecoin, health, give, alice, pharmacy, pharmacy_bank, reverts
):
    give(health, alice)
    paid(benefit, alice, pharmacy, health, 3)
    before = ledger(benefit, stablecoin, health, pharmacy, pharmacy_bank)
    with reverts("ERC1155InsufficientBalance", pharmacy, 0, 3, health):
        benefit.redeem([health, health], [3, 3], {"from": pharmacy})
    assert ledger(benefit, stablecoin, health, pharmacy, pharmacy_bank) == before


def test_citizen_cannot_redeem_its_own_benefits_for_cash(
    benefit, stablecoin, health, give, alice, reverts
):
    give(health, alice)
    before = ledger(benefit, stablecoin, health, alice)
    with reverts("MerchantNotActive", alice):
        benefit.redeem([health], [1], {"from": alice})
    assert ledger(benefit, stablecoin, health, alice) == before


def test_citizen_holding_benefits_cannot_be_onboarded_as_a_merchant(
    benefit, stablecoin, city, health, give, alice, reverts
):
    give(health, alice)
    with reverts("MerchantHoldsBenefits", alice, health, 10):
        benefit.onboardMerchant(alice, MerchantCategory.PHARMACY, NORTH, alice, {"from": city})
    assert benefit.merchant(alice)["status"] == 0


# --------------------------------------------------------------- programs that cannot pay


def test_unfunded_program_cannot_issue_tokens(
    benefit, stablecoin, make_program, merchants, give, alice, reverts
):
    program_id = make_program(fund=False)
    before = ledger(benefit, stablecoin, program_id, alice)
    with reverts("EscrowInsufficient", program_id, 10 * FACE, 0):
        give(program_id, alice, amount=10)
    assert ledger(benefit, stablecoin, program_id, alice) == before


def test_half_funded_program_cannot_issue_beyond_its_backing(
    benefit, stablecoin, treasurer, make_program, merchants, give, alice, reverts
):
    program_id = make_program(fund=False)
    benefit.fundProgram(program_id, 5 * FACE, {"from": treasurer})
    before = ledger(benefit, stablecoin, program_id, alice)
    with reverts("EscrowInsufficient", program_id, 6 * FACE, 5 * FACE):
        give(program_id, alice, amount=6)
    assert ledger(benefit, stablecoin, program_id, alice) == before


def test_citizen_cannot_pay_from_an_expired_program(
    benefit, stablecoin, health, give, alice, pharmacy, reverts
):
    give(health, alice)
    until = benefit.program(health)["validUntil"]
    chain.sleep(31 * DAY)
    before = ledger(benefit, stablecoin, health, alice, pharmacy)
    with reverts("ProgramExpired", health, until, ANY):
        paid(benefit, alice, pharmacy, health, 1)
    assert ledger(benefit, stablecoin, health, alice, pharmacy) == before


def test_signed_payment_from_an_expired_program_is_refused(
    benefit, stablecoin, health, give, alice, pharmacy, pharmacy_bank, key, reverts
):
    give(health, alice)
    until = benefit.program(health)["validUntil"]
    chain.sleep(31 * DAY)
    auth = authorization(alice, pharmacy, health)
    before = ledger(benefit, stablecoin, health, alice, pharmacy_bank)
    with reverts("ProgramExpired", health, until, ANY):
        benefit.payWithAuthorization(
            *auth.call_args(), sign_typed(key(alice), auth, benefit), {"from": pharmacy}
        )
    assert ledger(benefit, stablecoin, health, alice, pharmacy_bank) == before


def test_expired_program_cannot_issue_tokens(benefit, stablecoin, health, give, alice, reverts):
    until = benefit.program(health)["validUntil"]
    chain.sleep(31 * DAY)
    with reverts("DistributionClosed", health, until, ANY):
        give(health, alice)
    assert benefit.balanceOf(alice, health) == 0


# ------------------------------------------------------------ escrow that backs live tokens


def test_escrow_backing_live_tokens_cannot_be_withdrawn_before_expiry(
    benefit, stablecoin, health, give, alice, treasurer, reverts
):
    give(health, alice)
    closes = benefit.program(health)["validUntil"] + GRACE
    before = ledger(benefit, stablecoin, health, treasurer)
    with reverts("RedemptionStillOpen", health, closes, ANY):
        benefit.withdrawUnspent(health, {"from": treasurer})
    assert ledger(benefit, stablecoin, health, treasurer) == before


def test_escrow_backing_merchant_receivables_cannot_be_withdrawn_in_the_grace_period(
    benefit, stablecoin, health, give, alice, pharmacy, treasurer, reverts
):
    give(health, alice)
    paid(benefit, alice, pharmacy, health, 5)
    closes = benefit.program(health)["validUntil"] + GRACE
    chain.sleep(30 * DAY + GRACE // 2)
    before = ledger(benefit, stablecoin, health, treasurer, pharmacy)
    with reverts("RedemptionStillOpen", health, closes, ANY):
        benefit.withdrawUnspent(health, {"from": treasurer})
    assert ledger(benefit, stablecoin, health, treasurer, pharmacy) == before


def test_escrow_backing_merchant_receivables_cannot_be_withdrawn_after_a_pause_ate_the_grace(
    benefit, stablecoin, city, health, give, alice, pharmacy, treasurer, reverts
):
    """Review finding 2: a pause over the redemption close must not hand the treasurer what a
    merchant was paid while active."""
    give(health, alice)
    paid(benefit, alice, pharmacy, health, 5)
    benefit.pause({"from": city})
    chain.sleep(40 * DAY)
    benefit.unpause({"from": city})
    before = ledger(benefit, stablecoin, health, treasurer, pharmacy)
    with reverts("RedemptionStillOpen", health, ANY, ANY):
        benefit.withdrawUnspent(health, {"from": treasurer})
    assert ledger(benefit, stablecoin, health, treasurer, pharmacy) == before


# ----------------------------------------------------------------------- odd stablecoins


def _token_on(coin, city, treasurer):
    return benefit_token_on(coin, city, treasurer, funds=10**30)


@pytest.fixture(scope="module")
def coin18(city):
    return EighteenDecimalStablecoin.deploy({"from": city})


@pytest.fixture(scope="module")
def fee_coin(city):
    return FeeOnTransferStablecoin.deploy({"from": city})


@pytest.fixture(scope="module")
def no_return_coin(city):
    return NoReturnStablecoin.deploy({"from": city})


def _program(token, city, **overrides):
    tx = token.createProgram(program_config(**overrides), {"from": city})
    return tx.events["NewPBMTypeCreated"]["tokenId"]


def test_six_decimal_stablecoin_settles_a_ten_unit_face_value_exactly(
    benefit, stablecoin, health, give, alice, pharmacy, pharmacy_bank
):
    assert stablecoin.decimals() == 6
    give(health, alice)
    paid(benefit, alice, pharmacy, health, 2)
    benefit.redeem([health], [2], {"from": pharmacy})
    assert stablecoin.balanceOf(pharmacy_bank) == 2 * 10 * 10**6


def test_eighteen_decimal_face_value_that_overflows_the_packed_width_is_refused(
    coin18, city, treasurer, reverts
):
    token = _token_on(coin18, city, treasurer)
    with reverts("ProgramTermsInvalid", "faceValue"):
        _program(token, city, faceValue=10 * 10**18)
    assert token.programCount() == 0


def test_civic_deploy_refuses_an_eighteen_decimal_stablecoin_before_sending(coin18, w3):
    """Finding 7, refused by the tooling (9cba251): the contract itself would take the coin."""
    with pytest.raises(ConfigError, match="has 18 decimals"):
        deploy.check_settlement_token(chain_io.at(w3, "IERC20Metadata", coin18.address))


def test_civic_deploy_refuses_a_fee_on_transfer_stablecoin(fee_coin, treasurer, w3):
    """Finding 7: one simulated transfer from a holder (a state override, nothing sent)."""
    fee_coin.mint(treasurer, 1_000 * FACE, {"from": treasurer})
    height = w3.eth.block_number
    with pytest.raises(
        ConfigError,
        match=r"charges a fee on transfer: sending 10,000,000,000 .* "
        r"took 10,000,000,000 and delivered 9,900,000,000",
    ):
        deploy.check_settlement_token(chain_io.at(w3, "IERC20Metadata", fee_coin.address))
    assert w3.eth.block_number == height and fee_coin.balanceOf(treasurer) == 1_000 * FACE


def test_civic_deploy_accepts_plain_and_no_return_stablecoins(
    stablecoin, no_return_coin, city, treasurer, w3
):
    for coin in (stablecoin, no_return_coin):
        coin.mint(treasurer, 5 * FACE, {"from": city})
        assert deploy.check_settlement_token(chain_io.at(w3, "IERC20Metadata", coin.address)) == 6


def test_civic_deploy_refuses_a_stablecoin_nobody_holds(fee_coin, w3):
    """No holder, no probe: refused rather than waved through unchecked."""
    with pytest.raises(ConfigError, match="cannot check that a transfer of it charges no fee"):
        deploy.check_settlement_token(chain_io.at(w3, "IERC20Metadata", fee_coin.address))


def test_civic_deploy_says_so_when_the_node_will_not_list_the_coins_transfers(
    fee_coin, treasurer, w3, monkeypatch
):
    fee_coin.mint(treasurer, FACE, {"from": treasurer})

    def refuse(*args, **kwargs):
        raise ValueError("query returned more than 10000 results")

    monkeypatch.setattr(w3.eth, "get_logs", refuse)
    with pytest.raises(ConfigError, match="refused to list its recent transfers .* 10000 results"):
        deploy.check_settlement_token(chain_io.at(w3, "IERC20Metadata", fee_coin.address))


def test_fee_on_transfer_payout_would_reach_the_merchant_short_of_face_value(
    fee_coin, city, treasurer, alice, pharmacy, pharmacy_bank
):
    """Why the coin must be refused: what the check above prevents, shown."""
    token = _token_on(fee_coin, city, treasurer)
    token.onboardMerchant(pharmacy, MerchantCategory.PHARMACY, NORTH, pharmacy_bank, {"from": city})
    program_id = _program(token, city, budget=10)
    token.fundProgram(program_id, 20 * FACE, {"from": treasurer})
    token.distribute(program_id, b"fee-pay".ljust(32, b"\0"), [alice], [10], {"from": city})
    paid(token, alice, pharmacy, program_id, 1)
    token.redeem([program_id], [1], {"from": pharmacy})
    assert fee_coin.balanceOf(pharmacy_bank) == FACE * 99 // 100


def test_fee_on_transfer_funding_backs_only_what_arrived(
    fee_coin, city, treasurer, merchants, alice, reverts
):
    token = _token_on(fee_coin, city, treasurer)
    program_id = _program(token, city, budget=100)
    token.fundProgram(program_id, 100 * FACE, {"from": treasurer})
    arrived = 99 * FACE  # 1 % burnt on the way
    assert token.programEscrow(program_id)["funded"] == arrived
    batch = b"fee".ljust(32, b"\0")
    with reverts("EscrowInsufficient", program_id, 100 * FACE, arrived):
        token.distribute(program_id, batch, [alice], [100], {"from": city})
    assert token.balanceOf(alice, program_id) == 0


def test_no_return_value_stablecoin_funds_and_pays_through_safe_transfers(
    no_return_coin, city, treasurer, alice, pharmacy, pharmacy_bank
):
    token = _token_on(no_return_coin, city, treasurer)
    token.onboardMerchant(pharmacy, MerchantCategory.PHARMACY, NORTH, pharmacy_bank, {"from": city})
    program_id = _program(token, city, budget=10)
    token.fundProgram(program_id, 10 * FACE, {"from": treasurer})
    token.distribute(program_id, b"nr".ljust(32, b"\0"), [alice], [10], {"from": city})
    paid(token, alice, pharmacy, program_id, 3)
    token.redeem([program_id], [3], {"from": pharmacy})
    assert no_return_coin.balanceOf(pharmacy_bank) == 3 * FACE


def test_no_return_value_stablecoin_failing_transfer_refuses_the_funding(
    no_return_coin, city, treasurer, reverts
):
    token = _token_on(no_return_coin, city, treasurer)
    program_id = _program(token, city, budget=10)
    no_return_coin.approve(token, FACE, {"from": treasurer})
    before = (tuple(token.programEscrow(program_id)), no_return_coin.balanceOf(token))
    with reverts("NoReturnInsufficient", token, FACE, 2 * FACE):
        token.fundProgram(program_id, 2 * FACE, {"from": treasurer})
    assert (tuple(token.programEscrow(program_id)), no_return_coin.balanceOf(token)) == before
