"""Gasless payment: EIP-712 authorizations, EIP-3009 style, ECDSA and ERC-1271."""

import pytest
from brownie import ContractWallet, chain, web3
from eth_account.messages import encode_typed_data
from eth_keys import keys

from civicledger import payments
from civicledger.benefits import MerchantCategory
from tests.conftest import ANY

from .conftest import FACE

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def sign(benefit, signer):
    def sign(citizen, merchant, program_id, amount=1, chain_id=None, **kwargs):
        kwargs.setdefault("valid_after", chain.time() - 60)
        return payments.authorize(
            signer(citizen) if not hasattr(citizen, "sign_message") else citizen,
            merchant=merchant.address,
            program_id=program_id,
            amount=amount,
            chain_id=chain_id or web3.eth.chain_id,
            verifying_contract=benefit.address,
            **kwargs,
        )

    return sign


def submit(benefit, payment, sender, signature=None):
    return benefit.payWithAuthorization(
        *payment.authorization.call_args(), signature or payment.signature, {"from": sender}
    )


def test_merchant_submits_a_signed_payment_and_is_paid_at_once(
    benefit, stablecoin, health, give, alice, pharmacy, pharmacy_bank, sign
):
    give(health, alice, amount=5)
    payment = sign(alice, pharmacy, health, amount=2)
    tx = submit(benefit, payment, pharmacy)
    assert benefit.balanceOf(alice, health) == 3
    assert stablecoin.balanceOf(pharmacy_bank) == 2 * FACE
    assert benefit.program(health)["redeemed"] == 2
    assert benefit.authorizationState(alice, payment.authorization.nonce)
    assert tx.events["AuthorizationUsed"]["authorizer"] == alice
    assert tx.events["TokenUnwrapForTarget"]["from"] == alice


def test_anyone_may_relay_a_signed_payment(benefit, health, give, alice, bob, pharmacy, sign):
    give(health, alice)
    submit(benefit, sign(alice, pharmacy, health), bob)
    assert benefit.balanceOf(alice, health) == 9


def test_replayed_authorization_is_refused(benefit, health, give, alice, pharmacy, sign, reverts):
    give(health, alice)
    payment = sign(alice, pharmacy, health)
    submit(benefit, payment, pharmacy)
    with reverts("AuthorizationAlreadyUsed", alice, payment.authorization.nonce):
        submit(benefit, payment, pharmacy)


def test_expired_authorization_is_refused(benefit, health, give, alice, pharmacy, sign, reverts):
    give(health, alice)
    payment = sign(alice, pharmacy, health, valid_for=100)
    chain.sleep(200)
    with reverts("AuthorizationExpired", payment.authorization.valid_before, ANY):
        submit(benefit, payment, pharmacy)


def test_authorization_is_refused_before_it_is_valid(
    benefit, health, give, alice, pharmacy, sign, reverts
):
    give(health, alice)
    later = chain.time() + 1000
    payment = sign(alice, pharmacy, health, valid_after=later)
    with reverts("AuthorizationNotYetValid", later, ANY):
        submit(benefit, payment, pharmacy)


def test_authorization_signed_by_someone_else_is_refused(
    benefit, health, give, alice, bob, pharmacy, sign, signer, reverts
):
    give(health, alice)
    forged = sign(bob, pharmacy, health)
    # bob signed, but the authorization claims to spend alice's tokens
    auth = forged.authorization.__class__(
        **{**forged.authorization.__dict__, "citizen": alice.address}
    )
    with reverts("InvalidAuthorizationSignature", alice):
        benefit.payWithAuthorization(*auth.call_args(), forged.signature, {"from": pharmacy})


def test_authorization_changed_after_signing_is_refused(
    benefit, health, give, alice, pharmacy, sign, reverts
):
    give(health, alice)
    payment = sign(alice, pharmacy, health, amount=1)
    auth = payment.authorization.__class__(**{**payment.authorization.__dict__, "amount": 9})
    with reverts("InvalidAuthorizationSignature", alice):
        benefit.payWithAuthorization(*auth.call_args(), payment.signature, {"from": pharmacy})


def test_authorization_signed_for_another_chain_is_refused(
    benefit, health, give, alice, pharmacy, sign, reverts
):
    give(health, alice)
    payment = sign(alice, pharmacy, health, chain_id=11155111)
    with reverts("InvalidAuthorizationSignature", alice):
        submit(benefit, payment, pharmacy)


def test_malleable_high_s_signature_is_refused(
    benefit, health, give, alice, pharmacy, sign, reverts
):
    give(health, alice)
    payment = sign(alice, pharmacy, health)
    sig = payment.signature
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    flipped = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28
    # the flipped signature recovers the same key, as ecrecover would accept it
    assert keys.Signature(vrs=(55 - v - 27, int.from_bytes(r, "big"), SECP256K1_N - s))
    with reverts("InvalidAuthorizationSignature", alice):
        submit(benefit, payment, pharmacy, signature=flipped)


def test_signed_payment_obeys_the_same_earmark_rules(
    benefit, health, give, alice, school, sign, reverts
):
    give(health, alice)
    payment = sign(alice, school, health)
    with reverts("MerchantCategoryNotAllowed", health, school, MerchantCategory.SCHOOL):
        submit(benefit, payment, school)


def test_signed_payment_to_a_citizen_is_refused(benefit, health, give, alice, bob, sign, reverts):
    give(health, alice)
    with reverts("CitizenTransferNotAllowed", health, alice, bob):
        submit(benefit, sign(alice, bob, health), bob)


def test_zero_amount_authorization_is_refused(
    benefit, health, give, alice, pharmacy, sign, reverts
):
    give(health, alice)
    payment = sign(alice, pharmacy, health, amount=0)
    with reverts("PaymentAmountZero", alice, payment.authorization.nonce):
        submit(benefit, payment, pharmacy)


def test_paused_token_refuses_signed_payments(
    benefit, city, health, give, alice, pharmacy, sign, reverts
):
    give(health, alice)
    benefit.pause({"from": city})
    with reverts("EnforcedPause"):
        submit(benefit, sign(alice, pharmacy, health), pharmacy)


def test_citizen_cancels_an_unused_authorization(
    benefit, health, give, alice, pharmacy, sign, signer, reverts
):
    give(health, alice)
    payment = sign(alice, pharmacy, health)
    nonce = payment.authorization.nonce
    cancel_sig = payments.sign_cancel(signer(alice), nonce, web3.eth.chain_id, benefit.address)
    tx = benefit.cancelAuthorization(alice, nonce, cancel_sig, {"from": pharmacy})
    assert tx.events["AuthorizationCanceled"]["nonce"] == "0x" + nonce.hex()
    with reverts("AuthorizationAlreadyUsed", alice, nonce):
        submit(benefit, payment, pharmacy)


def test_cancellation_must_be_signed_by_the_citizen(benefit, alice, bob, signer, reverts):
    nonce = payments.new_nonce()
    sig = payments.sign_cancel(signer(bob), nonce, web3.eth.chain_id, benefit.address)
    with reverts("InvalidAuthorizationSignature", alice):
        benefit.cancelAuthorization(alice, nonce, sig, {"from": bob})


def sign_as(key, auth, verifying_contract):
    """Sign `auth` with `key` whoever the authorization names as citizen (a contract wallet's
    owner signs for the wallet)."""
    signable = encode_typed_data(
        full_message=payments.typed_data(auth, web3.eth.chain_id, verifying_contract)
    )
    return key.sign_message(signable).signature


def wallet_authorization(wallet, merchant, program_id, amount):
    now = chain.time()
    return payments.PaymentAuthorization(
        wallet.address,
        merchant.address,
        program_id,
        amount,
        payments.new_nonce(),
        now - 60,
        now + 600,
    )


def test_contract_wallet_pays_through_erc1271(
    benefit, stablecoin, city, health, pharmacy, pharmacy_bank, signer
):
    wallet = ContractWallet.deploy(city, {"from": city})
    benefit.distribute(health, b"wallet".ljust(32, b"\0"), [wallet], [3], {"from": city})
    auth = wallet_authorization(wallet, pharmacy, health, 2)
    signature = sign_as(signer(city), auth, benefit.address)
    benefit.payWithAuthorization(*auth.call_args(), signature, {"from": pharmacy})
    assert benefit.balanceOf(wallet, health) == 1
    assert stablecoin.balanceOf(pharmacy_bank) == 2 * FACE


def test_contract_wallet_rejects_a_signature_not_from_its_owner(
    benefit, city, health, pharmacy, alice, signer, reverts
):
    wallet = ContractWallet.deploy(city, {"from": city})
    benefit.distribute(health, b"wallet".ljust(32, b"\0"), [wallet], [3], {"from": city})
    auth = wallet_authorization(wallet, pharmacy, health, 1)
    signature = sign_as(signer(alice), auth, benefit.address)
    with reverts("InvalidAuthorizationSignature", wallet):
        benefit.payWithAuthorization(*auth.call_args(), signature, {"from": pharmacy})


def test_signed_payment_for_an_unknown_program_names_it(
    benefit, health, alice, pharmacy, sign, reverts
):
    with reverts("ProgramNotFound", 99):
        submit(benefit, sign(alice, pharmacy, 99), pharmacy)
