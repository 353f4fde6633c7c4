"""`civic merchant …` against a Ganache this module starts: onboarding, redemption, signed
payments submitted by the merchant, the statement, and the errors a merchant meets."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from civicledger import benefits, chain, cli, devchain
from civicledger.benefits import MerchantStatus
from civicledger.manifest import DEPLOYMENTS_ENV, Manifest
from tests.conftest import dev_node

CITY, TREASURER, MERCHANT_MANAGER = "dev0", "dev1", "dev2"
ALICE, BOB, PHARMACY, PHARMACY_PAYOUT, GYM = 5, 6, 7, 8, 9
HEALTH = 1  # the program the city creates: 10.00 a token, pharmacies in district 2
FACE_VALUE = 10_000_000  # 10.00 in the dev stablecoin's 6 decimals


@dataclass
class City:
    """A deployed suite with one funded program, citizens holding its tokens and a pharmacy."""

    dev: devchain.DevChain
    folder: Path

    @property
    def url(self) -> str:
        return self.dev.w3.provider.endpoint_uri

    def address(self, index: int) -> str:
        return self.dev.accounts[index].address

    def civic(self, *args: str, account: str = CITY) -> Result:
        return CliRunner().invoke(
            cli.main, [*args, "--network", self.url, "--account", account], catch_exceptions=True
        )

    def ok(self, *args: str, account: str = CITY) -> Result:
        result = self.civic(*args, account=account)
        assert result.exit_code == 0, result.output
        return result

    @property
    def token(self):
        manifest = Manifest.load(self.dev.w3.eth.chain_id)
        return chain.at(self.dev.w3, "BenefitToken", manifest.address("BenefitToken"))

    @property
    def stablecoin(self):
        address = Manifest.load(self.dev.w3.eth.chain_id).settings["stablecoin"]
        return chain.at(self.dev.w3, "DevStablecoin", address)

    def cash(self, index: int) -> int:
        return self.stablecoin.functions.balanceOf(self.address(index)).call()

    def tokens(self, index: int, program_id: int = HEALTH) -> int:
        return self.token.functions.balanceOf(self.address(index), program_id).call()

    def wallet_pay(self, citizen: int, merchant: int, amount: int) -> None:
        """A citizen pays with any ERC-1155 wallet: a plain transfer to the merchant."""
        chain.transact(
            self.dev.w3,
            self.dev.accounts[citizen],
            self.token.functions.safeTransferFrom(
                self.address(citizen), self.address(merchant), HEALTH, amount, b""
            ),
        )

    def sign(self, citizen: int, amount: int, *extra: str, merchant: int = PHARMACY) -> Path:
        """`civic pay sign` by the citizen, written to a file the merchant is handed."""
        out = self.folder / f"auth-{citizen}-{amount}-{len(list(self.folder.iterdir()))}.json"
        self.ok(
            "pay", "sign", "--program", str(HEALTH), "--merchant", self.address(merchant),
            "--amount", str(amount), "--out", str(out), *extra, account=f"dev{citizen}",
        )  # fmt: skip
        return out

    def rpc(self, method: str, params: list | None = None):
        response = self.dev.w3.provider.make_request(method, params or [])
        assert "error" not in response, response
        return response["result"]


@contextlib.contextmanager
def city_on_a_dev_node(folder: Path) -> Iterator[City]:
    """Everything set up with the CLI itself, as a city's developers would."""
    with pytest.MonkeyPatch.context() as env, dev_node(accounts=12) as dev:
        env.setenv(DEPLOYMENTS_ENV, str(folder / "deployments"))
        env.delenv("CIVIC_KEYSTORE", raising=False)
        env.delenv("CIVIC_PRIVATE_KEY", raising=False)
        city = City(dev, folder / "auths")
        city.folder.mkdir()
        city.ok("deploy")
        for role, holder in [
            ("PROGRAM_MANAGER_ROLE", 0),
            ("DISTRIBUTOR_ROLE", 0),
            ("TREASURER_ROLE", 1),
            ("MERCHANT_MANAGER_ROLE", 2),
        ]:
            city.ok("grant", role, city.address(holder))
        city.ok("dev-mint", "10000", "--to", city.address(1))
        city.ok(
            "program", "create", "--name", "Health 2027", "--category", "health",
            "--face-value", "10.00", "--budget", "1000", "--valid-until", "+30d",
            "--merchants", "pharmacy", "--districts", "2",
        )  # fmt: skip
        city.ok("program", "fund", str(HEALTH), "5000", account=TREASURER)
        citizens = folder / "citizens.csv"
        citizens.write_text(f"address,amount\n{city.address(ALICE)},20\n{city.address(BOB)},20\n")
        city.ok("distribute", str(HEALTH), str(citizens), "--run-id", "health-jan", "-q")
        city.ok(
            "merchant", "onboard", city.address(PHARMACY), "--category", "pharmacy",
            "--district", "2", "--payout", city.address(PHARMACY_PAYOUT),
            account=MERCHANT_MANAGER,
        )  # fmt: skip
        yield city


def snapshot_each_test(city: City) -> Iterator[None]:
    """Every test starts from the state the module set up (Ganache's evm_snapshot/revert)."""
    snapshot = city.rpc("evm_snapshot")
    yield
    city.rpc("evm_revert", [snapshot])


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Iterator[City]:
    with city_on_a_dev_node(tmp_path_factory.mktemp("merchant-cli")) as c:
        yield c


@pytest.fixture(autouse=True)
def fresh_state(city):
    yield from snapshot_each_test(city)


def one_line_error(result: Result) -> str:
    """A user mistake ends in exit status 2 and a single line, never a traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    (line,) = result.stderr.strip().splitlines()
    return line


# ------------------------------------------------------------------------------------------
# Onboarding and suspension (the merchant manager)


def test_merchant_manager_onboards_a_merchant_with_its_payout_address(city):
    city.ok(
        "merchant", "onboard", city.address(GYM), "--category", "gym", "--district", "4",
        "--payout", city.address(10), account=MERCHANT_MANAGER,
    )  # fmt: skip
    record = benefits.merchant(city.token, city.address(GYM))
    assert record.status is MerchantStatus.ACTIVE
    assert (record.category, record.district, record.payout) == (4, 4, city.address(10))


def test_onboarding_outside_the_cities_districts_shows_the_contract_error_by_name(city):
    result = city.civic(
        "merchant", "onboard", city.address(GYM), "--category", "gym", "--district", "64",
        account=MERCHANT_MANAGER,
    )  # fmt: skip
    assert one_line_error(result) == "Error: MerchantDistrictOutOfRange(district=64)"


def test_only_a_merchant_manager_can_onboard_a_merchant(city):
    result = city.civic(
        "merchant", "onboard", city.address(GYM), "--category", "gym", "--district", "4",
        account=TREASURER,
    )  # fmt: skip
    assert one_line_error(result) == (
        f"Error: AccessControlUnauthorizedAccount(account={city.address(1)}, "
        "neededRole=MERCHANT_MANAGER_ROLE)"
    )


def test_onboarding_a_suspended_merchant_again_is_refused_until_it_is_reinstated(city):
    pharmacy = city.address(PHARMACY)
    city.ok("merchant", "suspend", pharmacy, "--reason", "audit", account=MERCHANT_MANAGER)
    onboard = ("merchant", "onboard", pharmacy, "--category", "pharmacy", "--district", "2")
    line = one_line_error(city.civic(*onboard, account=MERCHANT_MANAGER))
    assert f"{pharmacy} is suspended" in line and "civic merchant reinstate" in line
    city.ok("merchant", "reinstate", pharmacy, account=MERCHANT_MANAGER)
    city.ok(*onboard, account=MERCHANT_MANAGER)
    assert benefits.merchant(city.token, pharmacy).status is MerchantStatus.ACTIVE


def test_suspended_merchant_still_redeems_what_it_was_paid(city):
    city.wallet_pay(ALICE, PHARMACY, 2)
    city.ok(
        "merchant", "suspend", city.address(PHARMACY), "--reason", "audit",
        account=MERCHANT_MANAGER,
    )  # fmt: skip
    before = city.cash(PHARMACY_PAYOUT)
    city.ok("merchant", "redeem", account=f"dev{PHARMACY}")
    assert city.tokens(PHARMACY) == 0
    assert city.cash(PHARMACY_PAYOUT) - before == 2 * FACE_VALUE


def test_account_that_is_no_merchant_cannot_redeem_and_the_error_is_named(city):
    city.wallet_pay(ALICE, PHARMACY, 2)
    result = city.civic("merchant", "redeem", account=f"dev{ALICE}")
    assert one_line_error(result) == f"Error: MerchantNotActive(merchant={city.address(ALICE)})"
    assert city.tokens(ALICE) == 18


def test_signed_payment_to_a_suspended_merchant_is_refused_with_the_error_name(city):
    auth = city.sign(ALICE, 3)
    city.ok(
        "merchant", "suspend", city.address(PHARMACY), "--reason", "audit",
        account=MERCHANT_MANAGER,
    )  # fmt: skip
    result = city.civic("merchant", "submit", str(auth), account=f"dev{PHARMACY}")
    assert result.exit_code == 1
    assert f"1. refused, MerchantSuspended(merchant={city.address(PHARMACY)})" in result.output
    assert city.tokens(ALICE) == 20


# ------------------------------------------------------------------------------------------
# Gasless payments submitted by the merchant


def test_signed_authorization_submitted_by_the_merchant_pays_its_payout_address(city):
    auth = city.sign(ALICE, 3)
    before = city.cash(PHARMACY_PAYOUT)
    result = city.ok("merchant", "submit", str(auth), account=f"dev{PHARMACY}")
    assert "1. paid, 3 tokens of program 1" in result.output
    assert f"30.00 to {city.address(PHARMACY_PAYOUT)}" in result.output
    assert city.cash(PHARMACY_PAYOUT) - before == 3 * FACE_VALUE
    assert city.tokens(ALICE) == 17


def test_the_same_authorization_submitted_again_is_skipped_as_used(city):
    auth = city.sign(ALICE, 3)
    city.ok("merchant", "submit", str(auth), account=f"dev{PHARMACY}")
    paid = city.cash(PHARMACY_PAYOUT)
    again = city.ok("merchant", "submit", str(auth), account=f"dev{PHARMACY}")
    assert "1. skipped, already used or cancelled: 3 tokens of program 1" in again.output
    assert "0 paid, 1 skipped, 0 refused" in again.output
    assert city.cash(PHARMACY_PAYOUT) == paid and city.tokens(ALICE) == 17


def test_every_authorization_of_a_list_is_reported_and_a_refusal_does_not_stop_the_rest(city):
    too_much = json.loads(city.sign(BOB, 21).read_text())  # Bob holds 20
    fine = json.loads(city.sign(ALICE, 2).read_text())
    both = city.folder / "both.json"
    both.write_text(json.dumps([too_much, fine]))
    result = city.civic("merchant", "submit", str(both), account=f"dev{PHARMACY}")
    assert result.exit_code == 1
    assert "1. refused, ERC1155InsufficientBalance(" in result.output
    assert "2. paid, 2 tokens of program 1" in result.output
    assert "1 paid, 0 skipped, 1 refused" in result.output
    assert city.tokens(BOB) == 20 and city.tokens(ALICE) == 18


def test_merchant_submits_the_compact_text_forms_one_per_line(city):
    texts = [
        json.loads(city.ok("pay", "sign", "--program", "1", "--merchant",
                           city.address(PHARMACY), "--amount", str(n), "--json",
                           account=f"dev{ALICE}").stdout)["text"]
        for n in (1, 2)
    ]  # fmt: skip
    lines = city.folder / "scanned.txt"
    lines.write_text("# scanned at the till\n" + "\n".join(texts) + "\n")
    result = city.ok("merchant", "submit", str(lines), account=f"dev{PHARMACY}")
    assert "2 paid, 0 skipped, 0 refused" in result.output
    assert city.tokens(ALICE) == 17


def test_a_malformed_authorizations_file_is_one_line_and_exit_status_2(city):
    garbage = city.folder / "garbage.txt"
    garbage.write_text("civicpay:1:AAAA\n")
    line = one_line_error(city.civic("merchant", "submit", str(garbage), account=f"dev{PHARMACY}"))
    assert line.startswith(f"Error: {garbage}, line 1: not a civicpay text:")


def test_a_missing_authorizations_file_is_one_line_and_exit_status_2(city):
    missing = city.folder / "nowhere.json"
    line = one_line_error(city.civic("merchant", "submit", str(missing), account=f"dev{PHARMACY}"))
    assert line == f"Error: cannot read {missing}: No such file or directory"


# ------------------------------------------------------------------------------------------
# Redemption of wallet-way tokens


def test_merchant_redeems_wallet_way_tokens_for_their_face_value_to_its_payout(city):
    city.wallet_pay(ALICE, PHARMACY, 4)
    before = city.cash(PHARMACY_PAYOUT)
    result = city.ok("merchant", "redeem", account=f"dev{PHARMACY}")
    assert "program 1: 4 tokens" in result.output
    assert f"paid 40.00 to {city.address(PHARMACY_PAYOUT)}" in result.output
    assert city.cash(PHARMACY_PAYOUT) - before == 4 * FACE_VALUE
    assert city.tokens(PHARMACY) == 0


def test_nothing_to_redeem_names_the_account_used_and_the_token(city):
    result = city.ok("merchant", "redeem", account=f"dev{PHARMACY}")
    assert result.output.strip() == (
        f"nothing to redeem for {city.address(PHARMACY)} on BenefitToken {city.token.address}"
    )


def test_redeeming_chosen_programs_leaves_the_tokens_of_the_others(city):
    city.wallet_pay(ALICE, PHARMACY, 4)
    result = city.ok("merchant", "redeem", "--program", "2", account=f"dev{PHARMACY}")
    assert result.output.strip() == (
        f"nothing to redeem for {city.address(PHARMACY)} in program 2 on BenefitToken "
        f"{city.token.address}"
    )
    assert city.tokens(PHARMACY) == 4


# ------------------------------------------------------------------------------------------
# Statement


def test_statement_lists_signed_payments_and_redemptions_with_their_totals(city):
    city.ok("merchant", "submit", str(city.sign(ALICE, 3)), account=f"dev{PHARMACY}")
    city.wallet_pay(BOB, PHARMACY, 4)
    city.ok("merchant", "redeem", account=f"dev{PHARMACY}")
    city.wallet_pay(BOB, PHARMACY, 1)  # received, not yet redeemed
    text = city.ok("merchant", "statement", account=f"dev{PHARMACY}").output
    rows = [
        line.split() for line in text.splitlines() if line.strip().startswith(tuple("0123456789"))
    ]
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [
        ("1", "3", "30.00", "signed"),
        ("1", "4", "40.00", "redeemed"),
    ]
    assert ["program", "1", "7", "tokens", "70.00"] in [line.split() for line in text.splitlines()]
    assert ["all", "70.00"] in [line.split() for line in text.splitlines()]
    assert "held, not yet redeemed: 1 tokens of program 1" in text


def test_statement_as_json_totals_exact_units_and_names_no_other_merchants_payments(city):
    city.ok(
        "merchant", "onboard", city.address(GYM), "--category", "pharmacy", "--district", "2",
        account=MERCHANT_MANAGER,
    )  # fmt: skip
    city.wallet_pay(ALICE, GYM, 5)  # another merchant's redemption is not this one's
    city.ok("merchant", "redeem", account=f"dev{GYM}")
    city.ok("merchant", "submit", str(city.sign(BOB, 2)), account=f"dev{PHARMACY}")
    result = city.ok(
        "merchant", "statement", "--merchant", city.address(PHARMACY), "--json", account=CITY
    )
    report = json.loads(result.stdout)
    assert [(p["amount"], p["paid"], p["payer"]) for p in report["payments"]] == [
        (2, 2 * FACE_VALUE, city.address(BOB))
    ]
    assert report["totals"] == {"1": {"amount": 2, "paid": 2 * FACE_VALUE}}
    assert report["totalPaid"] == 2 * FACE_VALUE
