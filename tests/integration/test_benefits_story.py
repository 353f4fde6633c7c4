"""The seed's slide 23 through the civicledger package (web3.py + eth-account), on Ganache."""

import pytest
from eth_account import Account
from eth_utils import keccak

from civicledger import benefits, chain, distribution, payments, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.deploy import deploy_suite
from civicledger.errors import CivicError, ContractError

FACE = 10_000_000


@pytest.fixture(scope="module")
def suite(w3, city, signer, tmp_path_factory):
    return deploy_suite(w3, signer(city), deployments=tmp_path_factory.mktemp("deployments"))


@pytest.fixture(scope="module")
def staff(w3, suite, city, treasurer, signer, grocer, pharmacy):
    admin = signer(city)
    roles.grant_roles(
        w3,
        admin,
        suite.benefits,
        {
            r: city.address
            for r in ("PROGRAM_MANAGER_ROLE", "MERCHANT_MANAGER_ROLE", "DISTRIBUTOR_ROLE")
        }
        | {"TREASURER_ROLE": treasurer.address},
    )
    chain.transact(w3, admin, suite.stablecoin.functions.mint(treasurer.address, 10**12))
    benefits.onboard_merchant(
        w3, admin, suite.benefits, grocer.address, MerchantCategory.GROCERY, 2
    )
    benefits.onboard_merchant(
        w3, admin, suite.benefits, pharmacy.address, MerchantCategory.PHARMACY, 2
    )
    return {"city": admin, "treasurer": signer(treasurer)}


@pytest.fixture(scope="module")
def food(w3, suite, staff):
    now = w3.eth.get_block("latest")["timestamp"]
    config = benefits.ProgramConfig(
        name="Food Support 2027",
        category=ProgramCategory.SOCIAL_WELFARE,
        face_value=FACE,
        budget=5_000,
        valid_from=now - 60,
        valid_until=now + 90 * 86400,
        merchant_categories=bits([MerchantCategory.GROCERY]),
        districts=bits([2]),
        per_citizen_cap=20,
    )
    program_id = benefits.create_program(w3, staff["city"], suite.benefits, config)
    benefits.fund_program(
        w3, staff["treasurer"], suite.benefits, suite.stablecoin, program_id, 5_000 * FACE
    )
    return program_id


def citizens(n, seed="citizen"):
    return [Account.from_key(keccak(text=f"{seed} {i}")) for i in range(n)]


def test_family_buys_food_with_a_social_token_and_the_grocer_is_paid(
    w3, suite, staff, food, grocer, signer
):
    token, usd = suite.benefits, suite.stablecoin
    families = citizens(100)
    report = distribution.distribute(
        w3,
        staff["city"],
        token,
        food,
        [(f.address, 10) for f in families],
        run_id="jan",
        batch_size=50,
    )
    assert report.paid_now == 100 and len(report.sent) == 2

    wallet_family, gasless_family = families[0], families[1]
    chain.send_ether(w3, staff["city"], wallet_family.address, 10**16)
    chain.transact(
        w3,
        wallet_family,
        token.functions.safeTransferFrom(wallet_family.address, grocer.address, food, 3, b""),
    )
    signed = payments.authorize(
        gasless_family,
        merchant=grocer.address,
        program_id=food,
        amount=2,
        chain_id=w3.eth.chain_id,
        verifying_contract=token.address,
        valid_after=w3.eth.get_block("latest")["timestamp"] - 60,
    )
    payments.submit(w3, signer(grocer), token, signed)
    benefits.redeem_all(w3, signer(grocer), token)

    figures = benefits.program(token, food)
    assert (figures.minted, figures.redeemed, figures.outstanding) == (1_000, 5, 995)
    assert figures.paid_out == 5 * FACE == usd.functions.balanceOf(grocer.address).call()
    assert figures.escrow_balance == 4_995 * FACE == usd.functions.balanceOf(token.address).call()
    assert figures.outstanding_value == 995 * FACE
    assert token.functions.balanceOf(gasless_family.address, food).call() == 8


def test_contract_refusals_reach_python_by_name_and_arguments(w3, suite, staff, food):
    token = suite.benefits
    batch = distribution.batch_id("mar", food, 1, 0)
    address = citizens(1, "errors")[0].address
    chain.transact(w3, staff["city"], token.functions.distribute(food, batch, [address], [1]))
    with pytest.raises(ContractError) as caught:
        chain.transact(w3, staff["city"], token.functions.distribute(food, batch, [address], [1]))
    assert caught.value.name == "BatchAlreadyDistributed"
    assert caught.value.kwargs == {"batchId": batch}
    with pytest.raises(ContractError) as caught:
        chain.transact(
            w3, staff["city"], token.functions.distribute(food, keccak(text="x"), [address], [25])
        )
    assert caught.value.name == "CitizenCapExceeded"
    assert caught.value.kwargs["cap"] == 20 and caught.value.kwargs["balance"] == 26


def test_eth_account_typed_data_matches_the_contract_domain(w3, suite):
    token = suite.benefits
    auth = payments.PaymentAuthorization(token.address, token.address, 1, 1, bytes(32), 0, 1)
    from eth_account.messages import encode_typed_data

    signable = encode_typed_data(
        full_message=payments.typed_data(auth, w3.eth.chain_id, token.address)
    )
    assert signable.header == token.functions.DOMAIN_SEPARATOR().call()
    type_string = (
        "PaymentAuthorization(address citizen,address merchant,uint256 programId,uint256 amount,"
        "bytes32 nonce,uint256 validAfter,uint256 validBefore)"
    )
    assert keccak(text=type_string) == token.functions.PAYMENT_AUTHORIZATION_TYPEHASH().call()


def sign_payment(w3, citizen, merchant, verifying_contract, amount=2):
    return payments.authorize(
        citizen,
        merchant=merchant.address,
        program_id=1,
        amount=amount,
        chain_id=w3.eth.chain_id,
        verifying_contract=verifying_contract,
    )


def test_signed_payment_travels_as_json_and_verifies(w3, suite, grocer):
    citizen = citizens(1, "json")[0]
    signed = sign_payment(w3, citizen, grocer, suite.benefits.address)
    again = payments.SignedPayment.from_json(signed.to_json())
    assert again == signed
    payments.verify(again)
    assert payments.signer_of(again) == citizen.address


def test_tampered_authorization_fails_verification_before_sending(w3, suite, grocer):
    signed = sign_payment(w3, citizens(1, "tamper")[0], grocer, suite.benefits.address)
    tampered = payments.SignedPayment.from_json(
        signed.to_json().replace('"amount": 2', '"amount": 20')
    )
    with pytest.raises(CivicError, match="signed by"):
        payments.verify(tampered)


def test_authorization_for_another_contract_is_refused_before_sending(w3, suite, grocer, signer):
    signed = sign_payment(w3, citizens(1)[0], grocer, suite.stablecoin.address)
    with pytest.raises(CivicError, match="is for contract"):
        payments.submit(w3, signer(grocer), suite.benefits, signed)


def test_garbage_is_not_a_signed_payment():
    with pytest.raises(CivicError, match="not a signed payment authorization"):
        payments.SignedPayment.from_json('{"hello": 1}')


def test_figures_stay_exact_after_expiry_withdrawal_and_reclaim(
    w3, suite, staff, food, grocer, signer
):
    from brownie import chain as brownie_chain

    token = suite.benefits
    families = citizens(4, "expiry")
    distribution.distribute(
        w3, staff["city"], token, food, [(f.address, 5) for f in families], run_id="exp"
    )
    before = benefits.program(token, food)
    brownie_chain.sleep(before.redemption_closes_at - w3.eth.get_block("latest")["timestamp"] + 1)
    brownie_chain.mine()

    closed = benefits.program(token, food)
    assert closed.closed and closed.expired == closed.outstanding == before.outstanding
    assert closed.outstanding_value == 0
    chain.transact(w3, staff["treasurer"], token.functions.withdrawUnspent(food))
    chain.transact(
        w3, staff["treasurer"], token.functions.reclaimExpired(food, [f.address for f in families])
    )
    after = benefits.program(token, food)
    assert after.withdrawn == after.escrow_funded - after.paid_out
    assert after.escrow_balance == 0
    assert after.reclaimed == 20 and after.expired == after.outstanding == before.outstanding - 20
    assert after.budget == before.budget and after.minted == before.minted
