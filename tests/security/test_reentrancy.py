"""A contract that gets control in the middle of a payment or a distribution (an ERC-1155
receiver hook, or a stablecoin that calls its recipient) and calls back in must be refused by
the reentrancy lock, and nothing of the outer call may stick."""

import pytest
from brownie import HookStablecoin, Reenterer, ReentrantReceiver

from civicledger.benefits import MerchantCategory
from civicledger.roles import role_id

from ..unit.benefits.conftest import FACE, NORTH, benefit_token_on, program_config
from .conftest import authorization, sign_typed

BATCH = b"reentry".ljust(32, b"\0")


@pytest.fixture(scope="module")
def hook_coin(city):
    return HookStablecoin.deploy({"from": city})


@pytest.fixture(scope="module")
def hooked(city, treasurer, hook_coin):
    """A benefit token settling in a stablecoin that calls its recipients back."""
    return benefit_token_on(hook_coin, city, treasurer, funds=10**12)


@pytest.fixture(scope="module")
def shop(hooked, hook_coin, city):
    """A merchant that is a contract and is its own payout address, listening to payouts."""
    contract = Reenterer.deploy({"from": city})
    hooked.onboardMerchant(contract, MerchantCategory.PHARMACY, NORTH, contract, {"from": city})
    contract.listenTo(hook_coin, {"from": city})
    return contract


@pytest.fixture(scope="module")
def hooked_program(hooked, shop, city, treasurer, alice):
    tx = hooked.createProgram(program_config(), {"from": city})
    program_id = tx.events["NewPBMTypeCreated"]["tokenId"]
    hooked.fundProgram(program_id, 100 * FACE, {"from": treasurer})
    hooked.distribute(program_id, BATCH, [alice], [10], {"from": city})
    hooked.safeTransferFrom(alice, shop, program_id, 4, b"", {"from": alice})
    return program_id


def facts(token, coin, holder, program_id):
    return (
        token.balanceOf(holder, program_id),
        coin.balanceOf(holder),
        token.program(program_id)["redeemed"],
        token.program(program_id)["minted"],
    )


def test_payout_contract_reentering_redeem_is_refused(
    hooked, hook_coin, hooked_program, shop, city, reverts
):
    redeem = hooked.redeem.encode_input([hooked_program], [1])
    shop.arm(hooked, redeem, {"from": city})
    before = facts(hooked, hook_coin, shop, hooked_program)
    with reverts("ReentrancyGuardReentrantCall"):
        shop.execute(hooked, redeem, {"from": city})
    assert facts(hooked, hook_coin, shop, hooked_program) == before


def test_payout_contract_reentering_pay_with_authorization_is_refused(
    hooked, hook_coin, hooked_program, shop, city, alice, pharmacy, key, reverts
):
    first = authorization(alice, shop, hooked_program, amount=1)
    second = authorization(alice, shop, hooked_program, amount=1)
    shop.arm(
        hooked,
        hooked.payWithAuthorization.encode_input(
            *second.call_args(), sign_typed(key(alice), second, hooked)
        ),
        {"from": city},
    )
    before = facts(hooked, hook_coin, alice, hooked_program)
    with reverts("ReentrancyGuardReentrantCall"):
        hooked.payWithAuthorization(
            *first.call_args(), sign_typed(key(alice), first, hooked), {"from": pharmacy}
        )
    assert facts(hooked, hook_coin, alice, hooked_program) == before
    assert not hooked.authorizationState(alice, first.nonce)


def test_payout_contract_reentering_redeem_from_a_signed_payment_is_refused(
    hooked, hook_coin, hooked_program, shop, city, alice, pharmacy, key, reverts
):
    shop.arm(hooked, hooked.redeem.encode_input([hooked_program], [4]), {"from": city})
    auth = authorization(alice, shop, hooked_program, amount=1)
    before = facts(hooked, hook_coin, shop, hooked_program)
    with reverts("ReentrancyGuardReentrantCall"):
        hooked.payWithAuthorization(
            *auth.call_args(), sign_typed(key(alice), auth, hooked), {"from": pharmacy}
        )
    assert facts(hooked, hook_coin, shop, hooked_program) == before


def test_distribution_recipient_reentering_distribute_is_refused(benefit, health, city, reverts):
    receiver = ReentrantReceiver.deploy(benefit, {"from": city})
    # the attacker holds the role: only the lock stands between it and a second mint
    benefit.grantRole(role_id("DISTRIBUTOR_ROLE"), receiver, {"from": city})
    with reverts("ReentrancyGuardReentrantCall"):
        benefit.distribute(health, BATCH, [receiver], [1], {"from": city})
    assert benefit.balanceOf(receiver, health) == 0
    assert benefit.program(health)["minted"] == 0
    assert not benefit.batchDistributed(BATCH)


def test_distribution_recipient_reentering_pay_with_authorization_is_refused(
    benefit, health, give, city, alice, pharmacy, key, reverts
):
    give(health, alice)
    wallet = Reenterer.deploy({"from": city})
    auth = authorization(alice, pharmacy, health, amount=1)
    wallet.arm(
        benefit,
        benefit.payWithAuthorization.encode_input(
            *auth.call_args(), sign_typed(key(alice), auth, benefit)
        ),
        {"from": city},
    )
    minted = benefit.program(health)["minted"]
    with reverts("ReentrancyGuardReentrantCall"):
        benefit.distribute(health, BATCH, [wallet], [1], {"from": city})
    assert benefit.balanceOf(wallet, health) == 0
    assert benefit.balanceOf(alice, health) == 10
    assert benefit.program(health)["minted"] == minted
    assert not benefit.authorizationState(alice, auth.nonce)


def test_distribution_recipient_reentering_redeem_is_refused(
    benefit, health, city, pharmacy, reverts
):
    """The hook calls redeem as itself (not a merchant) — the lock answers first."""
    wallet = Reenterer.deploy({"from": city})
    wallet.arm(benefit, benefit.redeem.encode_input([health], [1]), {"from": city})
    with reverts("ReentrancyGuardReentrantCall"):
        benefit.distribute(health, BATCH, [wallet], [1], {"from": city})
    assert benefit.balanceOf(wallet, health) == 0
    assert not benefit.batchDistributed(BATCH)
