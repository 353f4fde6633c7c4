"""`civic pay sign` and `civic pay verify`: a citizen signs a payment offline (no ETH, no
transaction), anyone checks who signed it; and the compact civicpay:1: text form."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from eth_account import Account

from civicledger import cli, payments
from civicledger.errors import CivicError
from tests.cli.test_merchant_cli import (
    ALICE,
    BOB,
    FACE_VALUE,
    HEALTH,
    PHARMACY,
    PHARMACY_PAYOUT,
    City,
    city_on_a_dev_node,
    one_line_error,
    snapshot_each_test,
)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Iterator[City]:
    with city_on_a_dev_node(tmp_path_factory.mktemp("pay-cli")) as c:
        yield c


@pytest.fixture(autouse=True)
def fresh_state(city):
    yield from snapshot_each_test(city)


def sign_args(city: City, amount: int = 3, *extra: str) -> list[str]:
    return [
        "pay", "sign", "--program", str(HEALTH), "--merchant", city.address(PHARMACY),
        "--amount", str(amount), *extra,
    ]  # fmt: skip


# ------------------------------------------------------------------------------------------
# Signing


def test_signed_authorization_in_a_file_is_verified_as_the_citizens_payment(city):
    auth = city.sign(ALICE, 3)
    text = city.ok("pay", "verify", str(auth)).output
    assert f"1. signed by {city.address(ALICE)} (the citizen it names)" in text
    assert f"pays 3 tokens of program 1 to merchant {city.address(PHARMACY)}" in text
    assert f"for BenefitToken {city.token.address} on chain 1337" in text


def test_without_a_file_the_json_goes_to_stdout_and_the_text_form_to_stderr(city):
    result = city.ok(*sign_args(city), account=f"dev{ALICE}")
    from_json = payments.SignedPayment.from_json(result.stdout)
    (text,) = [line for line in result.stderr.splitlines() if line.startswith("civicpay:1:")]
    assert payments.SignedPayment.from_text(text) == from_json
    assert from_json.authorization.citizen == city.address(ALICE)


def test_a_citizen_without_ether_signs_without_a_transaction_and_the_merchant_is_paid(city):
    newcomer = Account.create()
    citizens = city.folder / "newcomer.csv"
    citizens.write_text(f"address,amount\n{newcomer.address},5\n")
    city.ok("distribute", str(HEALTH), str(citizens), "--run-id", "newcomer", "-q")
    block = city.dev.w3.eth.block_number
    out = city.folder / "newcomer.json"
    signed = CliRunner().invoke(
        cli.main,
        [*sign_args(city, 5, "--out", str(out)), "--network", city.url],
        env={"CIVIC_PRIVATE_KEY": newcomer.key.hex(), "CIVIC_ACCOUNT": None},
    )
    assert signed.exit_code == 0, signed.output
    assert city.dev.w3.eth.block_number == block
    assert city.dev.w3.eth.get_balance(newcomer.address) == 0
    before = city.cash(PHARMACY_PAYOUT)
    city.ok("merchant", "submit", str(out), account=f"dev{PHARMACY}")
    assert city.cash(PHARMACY_PAYOUT) - before == 5 * FACE_VALUE


def test_signing_more_than_the_citizen_holds_warns_and_still_signs(city):
    result = city.ok(*sign_args(city, 25), account=f"dev{BOB}")
    assert f"warning: {city.address(BOB)} holds 20 tokens of program 1, fewer than 25" in (
        result.stderr
    )
    assert payments.SignedPayment.from_json(result.stdout).authorization.amount == 25


def test_an_expired_authorization_is_refused_with_the_contract_error_name(city):
    auth = city.sign(ALICE, 3, "--valid-for", "1")
    city.rpc("evm_increaseTime", [600])
    city.rpc("evm_mine")
    result = city.civic("merchant", "submit", str(auth), account=f"dev{PHARMACY}")
    assert result.exit_code == 1
    assert "1. refused, AuthorizationExpired(validBefore=" in result.output
    assert city.tokens(ALICE) == 20


# ------------------------------------------------------------------------------------------
# Verifying


def test_verify_reads_a_civicpay_text_given_on_the_command_line(city):
    text = json.loads(city.ok(*sign_args(city), "--json", account=f"dev{ALICE}").stdout)["text"]
    result = city.ok("pay", "verify", text)
    assert f"signed by {city.address(ALICE)} (the citizen it names)" in result.output


def test_verify_on_chain_says_whether_it_is_unused_and_what_the_citizen_holds(city):
    auth = city.sign(ALICE, 3)
    assert "on chain: unused, valid now; the citizen holds 20 tokens of program 1" in (
        city.ok("pay", "verify", str(auth), "--on-chain").output
    )
    city.ok("merchant", "submit", str(auth), account=f"dev{PHARMACY}")
    assert "on chain: already used or cancelled" in (
        city.ok("pay", "verify", str(auth), "--on-chain").output
    )


def test_verify_refuses_an_authorization_its_named_citizen_did_not_sign(city):
    forged = json.loads(city.sign(ALICE, 3).read_text())
    forged["authorization"]["citizen"] = city.address(BOB)
    path = city.folder / "forged.json"
    path.write_text(json.dumps(forged))
    result = city.civic("pay", "verify", str(path))
    assert f"NOT the citizen it names, {city.address(BOB)}" in result.stdout
    assert one_line_error(result) == "Error: 1 of 1 signatures are not the named citizen's"


def test_verify_of_a_malformed_text_is_one_line_and_exit_status_2(city):
    line = one_line_error(city.civic("pay", "verify", "civicpay:1:not*base64"))
    assert (
        line == "Error: the text given, line 1: not a civicpay text: its payload is not base64url"
    )


def test_a_merchant_submitting_a_forged_authorization_is_refused_before_sending(city):
    forged = json.loads(city.sign(ALICE, 3).read_text())
    forged["authorization"]["amount"] = 30
    path = city.folder / "forged.json"
    path.write_text(json.dumps(forged))
    block = city.dev.w3.eth.block_number
    result = city.civic("merchant", "submit", str(path), account=f"dev{PHARMACY}")
    assert result.exit_code == 1
    assert f"1. refused, authorization names citizen {city.address(ALICE)} but was signed by" in (
        result.output
    )
    assert city.dev.w3.eth.block_number == block


# ------------------------------------------------------------------------------------------
# The compact text form (no chain needed)


def offline_payment(**overrides) -> payments.SignedPayment:
    signed = payments.authorize(
        Account.from_key(b"\x11" * 32),
        merchant="0x" + "22" * 20,
        program_id=1,
        amount=3,
        chain_id=1337,
        verifying_contract="0x" + "33" * 20,
        valid_after=1_800_000_000,
        nonce=b"\x44" * 32,
    )
    return dataclasses.replace(
        signed, authorization=dataclasses.replace(signed.authorization, **overrides)
    )


@pytest.mark.parametrize(
    "overrides",
    [{}, {"program_id": 0, "amount": 2**256 - 1, "valid_after": 0, "nonce": bytes(32)}],
    ids=["ordinary", "extremes"],
)
def test_the_text_form_round_trips_exactly(overrides):
    signed = offline_payment(**overrides)
    text = signed.to_text()
    assert text.startswith("civicpay:1:")
    assert payments.SignedPayment.from_text(text) == signed
    assert payments.SignedPayment.from_text(text).to_text() == text


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "civicpay:2:AAAA",
        "civicpay:1:",
        "civicpay:1:AAAA",
        "civicpay:1:!!!!",
        offline_payment().to_text()[:-6],
        offline_payment().to_text() + "AA",
    ],
    ids=["empty", "word", "version-2", "no-payload", "short", "not-base64", "cut", "extra"],
)
def test_the_text_form_of_garbage_is_a_one_line_civic_error(garbage):
    with pytest.raises(CivicError) as refused:
        payments.SignedPayment.from_text(garbage)
    assert str(refused.value).startswith("not a civicpay text: ")
    assert "\n" not in str(refused.value)
