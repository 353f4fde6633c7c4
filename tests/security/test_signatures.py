"""Signed payments (EIP-712, EIP-3009 style) that an attacker bends must be refused, and leave the
citizen's tokens, the nonce and the merchant's payout as they were."""

import pytest
from brownie import BenefitToken, ContractWallet, GasBurningWallet, RefusingWallet, chain, web3

from civicledger import payments
from tests.conftest import ANY, next_block_at

from ..unit.benefits.conftest import GRACE
from .conftest import SECP256K1_N, authorization, sign_typed


@pytest.fixture
def funded(give, health, alice):
    give(health, alice, amount=5)
    return health


@pytest.fixture
def untouched(benefit, stablecoin, pharmacy_bank):
    """Asserts after the attack that nothing moved: tokens, nonce, payout, redeemed count."""

    def facts(citizen, program_id, auth):
        return (
            benefit.balanceOf(citizen, program_id),
            benefit.authorizationState(citizen, auth.nonce),
            stablecoin.balanceOf(pharmacy_bank),
            benefit.program(program_id)["redeemed"],
        )

    class Check:
        def __init__(self, citizen, program_id, auth):
            self.args = (citizen, program_id, auth)
            self.before = facts(*self.args)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            if exc[0] is None:
                after = list(facts(*self.args))
                # a used nonce stays used; everything else must be exactly as before
                assert after == list(self.before), (self.before, after)
            return False

    return Check


def pay(benefit, auth, signature, sender):
    return benefit.payWithAuthorization(*auth.call_args(), signature, {"from": sender})


def test_replayed_signed_payment_is_refused_and_pays_nothing_twice(
    benefit, stablecoin, funded, alice, pharmacy, pharmacy_bank, key, reverts
):
    auth = authorization(alice, pharmacy, funded, amount=2)
    signature = sign_typed(key(alice), auth, benefit)
    pay(benefit, auth, signature, pharmacy)
    paid = stablecoin.balanceOf(pharmacy_bank)
    with reverts("AuthorizationAlreadyUsed", alice, auth.nonce):
        pay(benefit, auth, signature, pharmacy)
    assert benefit.balanceOf(alice, funded) == 3
    assert stablecoin.balanceOf(pharmacy_bank) == paid


def test_signature_for_another_chain_id_is_refused(
    benefit, funded, alice, pharmacy, key, reverts, untouched
):
    auth = authorization(alice, pharmacy, funded)
    signature = sign_typed(key(alice), auth, benefit, chain_id=web3.eth.chain_id + 1)
    with untouched(alice, funded, auth), reverts("InvalidAuthorizationSignature", alice):
        pay(benefit, auth, signature, pharmacy)


def test_signature_for_another_deployment_is_refused(
    benefit, stablecoin, city, funded, alice, pharmacy, key, reverts, untouched
):
    other = BenefitToken.deploy(city, stablecoin, GRACE, {"from": city})
    auth = authorization(alice, pharmacy, funded)
    signature = sign_typed(key(alice), auth, other)
    with untouched(alice, funded, auth), reverts("InvalidAuthorizationSignature", alice):
        pay(benefit, auth, signature, pharmacy)


def test_s_malleated_signature_is_refused(
    benefit, funded, alice, pharmacy, key, reverts, untouched
):
    auth = authorization(alice, pharmacy, funded)
    sig = sign_typed(key(alice), auth, benefit)
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    twin = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # same key, high s
    with untouched(alice, funded, auth), reverts("InvalidAuthorizationSignature", alice):
        pay(benefit, auth, twin, pharmacy)


def test_signature_by_the_merchant_instead_of_the_citizen_is_refused(
    benefit, funded, alice, pharmacy, key, reverts, untouched
):
    auth = authorization(alice, pharmacy, funded)
    signature = sign_typed(key(pharmacy), auth, benefit)
    with untouched(alice, funded, auth), reverts("InvalidAuthorizationSignature", alice):
        pay(benefit, auth, signature, pharmacy)


def test_cancelled_nonce_cannot_be_paid_with(
    benefit, funded, alice, pharmacy, key, reverts, untouched
):
    auth = authorization(alice, pharmacy, funded)
    signature = sign_typed(key(alice), auth, benefit)
    cancel = payments.sign_cancel(key(alice), auth.nonce, web3.eth.chain_id, benefit.address)
    benefit.cancelAuthorization(alice, auth.nonce, cancel, {"from": alice})
    with untouched(alice, funded, auth), reverts("AuthorizationAlreadyUsed", alice, auth.nonce):
        pay(benefit, auth, signature, pharmacy)


def test_cancellation_signed_by_the_merchant_is_refused(
    benefit, funded, alice, pharmacy, key, reverts, untouched
):
    auth = authorization(alice, pharmacy, funded)
    cancel = payments.sign_cancel(key(pharmacy), auth.nonce, web3.eth.chain_id, benefit.address)
    with untouched(alice, funded, auth), reverts("InvalidAuthorizationSignature", alice):
        benefit.cancelAuthorization(alice, auth.nonce, cancel, {"from": pharmacy})


def test_signed_payment_before_its_window_opens_is_refused(
    benefit, funded, alice, pharmacy, key, reverts, untouched
):
    auth = authorization(alice, pharmacy, funded, valid_after=chain.time() + 3600)
    signature = sign_typed(key(alice), auth, benefit)
    with untouched(alice, funded, auth), reverts("AuthorizationNotYetValid", auth.valid_after, ANY):
        pay(benefit, auth, signature, pharmacy)


def test_signed_payment_after_its_window_closed_is_refused(
    benefit, funded, alice, pharmacy, key, reverts, untouched
):
    auth = authorization(alice, pharmacy, funded, valid_for=120)
    signature = sign_typed(key(alice), auth, benefit)
    chain.sleep(300)
    with untouched(alice, funded, auth), reverts("AuthorizationExpired", auth.valid_before, ANY):
        pay(benefit, auth, signature, pharmacy)


def test_signed_payment_mined_exactly_at_valid_before_is_refused(
    benefit, funded, alice, pharmacy, key, reverts, untouched
):
    auth = authorization(alice, pharmacy, funded, valid_for=600)
    signature = sign_typed(key(alice), auth, benefit)
    next_block_at(auth.valid_before)
    with untouched(alice, funded, auth), reverts("AuthorizationExpired", auth.valid_before, ANY):
        pay(benefit, auth, signature, pharmacy)


def _wallet_with_tokens(benefit, city, wallet, program_id):
    batch = f"wallet-{wallet.address}".encode()[:32].ljust(32, b"\0")
    benefit.distribute(program_id, batch, [wallet], [3], {"from": city})
    return wallet


def test_erc1271_wallet_that_says_no_is_refused_even_with_its_owner_key(
    benefit, city, health, pharmacy, key, reverts, untouched
):
    wallet = _wallet_with_tokens(benefit, city, RefusingWallet.deploy({"from": city}), health)
    auth = authorization(wallet, pharmacy, health)
    signature = sign_typed(key(city), auth, benefit)
    with untouched(wallet, health, auth), reverts("InvalidAuthorizationSignature", wallet):
        pay(benefit, auth, signature, pharmacy)


def test_erc1271_wallet_that_burns_all_gas_is_refused_by_name(
    benefit, city, health, pharmacy, key, reverts, untouched
):
    wallet = _wallet_with_tokens(benefit, city, GasBurningWallet.deploy({"from": city}), health)
    auth = authorization(wallet, pharmacy, health)
    signature = sign_typed(key(city), auth, benefit)
    # eth_call, not a mined transaction: Brownie would fetch the trace of a million-step loop
    with untouched(wallet, health, auth), reverts("InvalidAuthorizationSignature", wallet):
        benefit.payWithAuthorization.call(
            *auth.call_args(), signature, {"from": pharmacy, "gas_limit": 2_000_000}
        )


def test_contract_wallet_cannot_be_spent_by_a_key_that_is_not_its_owner(
    benefit, city, health, alice, pharmacy, key, reverts, untouched
):
    wallet = _wallet_with_tokens(benefit, city, ContractWallet.deploy(city, {"from": city}), health)
    auth = authorization(wallet, pharmacy, health)
    signature = sign_typed(key(pharmacy), auth, benefit)
    with untouched(wallet, health, auth), reverts("InvalidAuthorizationSignature", wallet):
        pay(benefit, auth, signature, pharmacy)


def test_signed_payment_to_a_suspended_merchant_is_refused(
    benefit, city, funded, alice, pharmacy, key, reverts, untouched
):
    benefit.suspendMerchant(pharmacy, "under investigation", {"from": city})
    auth = authorization(alice, pharmacy, funded)
    signature = sign_typed(key(alice), auth, benefit)
    with untouched(alice, funded, auth), reverts("MerchantSuspended", pharmacy):
        pay(benefit, auth, signature, pharmacy)
