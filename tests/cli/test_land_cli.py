"""`civic land …` as registrars, owners, buyers, lenders and courts type it, against a Ganache
this module starts itself (Brownie's own chain is not used)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from click.testing import CliRunner, Result

from civicledger import cli, devchain, land
from tests.conftest import dev_node

CITY, REGISTRAR, COURT, LENDER, ALICE, BOB = "dev0", "dev2", "dev3", "dev4", "dev5", "dev6"


def address(alias: str) -> str:
    return devchain.dev_account(int(alias[3:])).address


def digest(text: str) -> str:
    """A 0x hash standing for a document in tests that do not need the file itself."""
    return "0x" + land.document_hash(text).hex()


@dataclass
class Civic:
    run: Callable[..., Result]
    registry: str

    def ok(self, *args: str, account: str) -> Result:
        result = self.run(*args, account=account)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, account: str) -> dict:
        return json.loads(self.ok(*args, "--json", account=account).output)

    def register(self, ref: str, owner: str = ALICE, area: int = 1200) -> int:
        return self.json(
            "land", "register", "--owner", address(owner), "--ref", ref, "--area", str(area),
            "--geometry", digest(f"survey of {ref}"), "--deed", digest(f"deed of {ref}"),
            account=REGISTRAR,
        )["parcelId"]  # fmt: skip

    def propose(self, parcel_id: int, ref: str, buyer: str = BOB) -> int:
        return self.json(
            "land", "propose", str(parcel_id), address(buyer),
            "--deed-hash", digest(f"deed of {ref} to {buyer}"), "--price-ref", "EUR-250000",
            account=ALICE,
        )["proposalId"]  # fmt: skip


@pytest.fixture(scope="module")
def civic(tmp_path_factory) -> Civic:
    """A fresh chain with the suite deployed and the registry's roles granted, through the CLI."""
    env = {
        "CIVIC_DEPLOYMENTS": str(tmp_path_factory.mktemp("deployments")),
        **dict.fromkeys(("CIVIC_NETWORK", "CIVIC_ACCOUNT", "CIVIC_KEYSTORE", "CIVIC_PRIVATE_KEY")),
    }
    runner = CliRunner(env=env)
    with dev_node(accounts=12) as dev:
        url = dev.w3.provider.endpoint_uri

        def run(*args: str, account: str) -> Result:
            return runner.invoke(cli.main, [*args, "--network", url, "--account", account])

        deployed = Civic(run, "")
        deployed.registry = deployed.json("deploy", account=CITY)["LandRegistry"]
        for role, actor in (("REGISTRAR_ROLE", REGISTRAR), ("COURT_ROLE", COURT)):
            deployed.ok("grant", role, address(actor), account=CITY)
        deployed.ok("grant", "LENDER_ROLE", address(LENDER), account=CITY)
        yield deployed


def assert_one_line_error(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output == f"Error: {message}\n"
    assert isinstance(result.exception, SystemExit)  # handled: no traceback


def test_registrar_owner_and_buyer_complete_a_sale(civic, tmp_path):
    deed = tmp_path / "deed-to-alice.pdf"
    deed.write_bytes(b"%PDF deed of LOT-SALE to alice")
    registered = civic.ok(
        "land", "register", "--owner", address(ALICE), "--cadastral-ref", "LOT-SALE",
        "--area", "1200", "--geometry", digest("survey"), "--deed", str(deed),
        account=REGISTRAR,
    ).output  # fmt: skip
    parcel_id = int(re.search(r"registered parcel (\d+): tx 0x[0-9a-f]{64} \(block", registered)[1])
    shown = civic.json("land", "show", str(parcel_id), account=BOB)
    assert shown["deed_hash"] == "0x" + land.document_hash(deed.read_bytes()).hex()

    proposal_id = civic.propose(parcel_id, "LOT-SALE")
    civic.ok("land", "accept", str(proposal_id), account=BOB)
    approved = civic.ok("land", "approve", str(proposal_id), account=REGISTRAR).output

    assert f"proposal {proposal_id} approved: the title moved to the buyer" in approved
    assert civic.json("land", "show", str(parcel_id), account=BOB)["owner"] == address(BOB)


def test_lien_without_its_lenders_consent_refuses_approval_by_the_contracts_error_name(civic):
    parcel_id = civic.register("LOT-LIEN")
    civic.ok(
        "land", "lien", "add", str(parcel_id), "--amount-ref", "EUR-180000",
        "--document", digest("mortgage"), account=LENDER,
    )  # fmt: skip
    proposal_id = civic.propose(parcel_id, "LOT-LIEN")
    civic.ok("land", "accept", str(proposal_id), account=BOB)

    refused = civic.run("land", "approve", str(proposal_id), account=REGISTRAR)

    assert_one_line_error(
        refused, f"ParcelEncumbered(parcelId={parcel_id}, activeLiens=1, lenderConsents=0)"
    )


def test_lenders_consent_lets_the_registrar_approve_an_encumbered_sale(civic):
    parcel_id = civic.register("LOT-CONSENT")
    lien_id = civic.json(
        "land", "lien", "add", str(parcel_id), "--amount-ref", "EUR-90000",
        "--document", digest("loan"), account=LENDER,
    )["lienId"]  # fmt: skip
    proposal_id = civic.propose(parcel_id, "LOT-CONSENT")
    civic.ok("land", "accept", str(proposal_id), account=BOB)

    civic.ok("land", "lien", "consent", str(lien_id), str(proposal_id), account=LENDER)
    civic.ok("land", "approve", str(proposal_id), account=REGISTRAR)

    shown = civic.json("land", "show", str(parcel_id), account=BOB)
    assert (shown["owner"], shown["active_liens"]) == (address(BOB), 1)


def test_court_freezes_a_parcel_under_its_case_reference(civic):
    parcel_id = civic.register("LOT-DISPUTE")

    frozen = civic.ok("land", "freeze", str(parcel_id), "--case", "CASE-2026-117", account=COURT)

    assert f"parcel {parcel_id} frozen for case CASE-2026-117: tx 0x" in frozen.output
    shown = civic.ok("land", "show", str(parcel_id), account=ALICE).output
    assert "frozen         case CASE-2026-117" in shown


def test_registrar_subdivides_a_parcel_into_children_of_the_given_areas(civic):
    parcel_id = civic.register("LOT-SPLIT", area=1200)

    child_ids = civic.json(
        "land", "subdivide", str(parcel_id),
        "--child", "LOT-SPLIT/1", "700", digest("north"), digest("deed north"),
        "--child", "LOT-SPLIT/2", "500", digest("south"), digest("deed south"),
        account=REGISTRAR,
    )["childIds"]  # fmt: skip

    children = [civic.json("land", "show", str(c), account=ALICE) for c in child_ids]
    assert [(c["cadastral_ref"], c["area"], c["owner"]) for c in children] == [
        ("LOT-SPLIT/1", 700, address(ALICE)),
        ("LOT-SPLIT/2", 500, address(ALICE)),
    ]
    assert civic.json("land", "show", str(parcel_id), account=ALICE)["status"] == "Retired"


def test_history_tells_the_parcels_events_as_a_readable_timeline(civic):
    parcel_id = civic.register("LOT-STORY")
    civic.propose(parcel_id, "LOT-STORY")
    civic.ok("land", "freeze", str(parcel_id), "--case", "CASE-9", account=COURT)

    timeline = civic.ok(
        "land", "history", str(parcel_id), "--name", f"{address(COURT)}=District Court",
        account=ALICE,
    ).output.splitlines()  # fmt: skip

    assert (
        timeline[0] == f"Parcel {parcel_id} on LandRegistry {civic.registry}, from its event logs:"
    )
    assert f"Parcel #{parcel_id} LOT-STORY registered: 1,200 m²" in timeline[1]
    assert "proposed sale" in timeline[2] and "price ref EUR-250000" in timeline[2]
    assert "Frozen by court District Court" in timeline[3] and "case CASE-9" in timeline[3]
    assert timeline[4].startswith("  now: live") and "frozen for case CASE-9" in timeline[4]


def test_history_as_json_lists_each_event_with_its_transaction(civic):
    parcel_id = civic.register("LOT-JSON")
    civic.propose(parcel_id, "LOT-JSON")

    entries = civic.json("land", "history", str(parcel_id), account=ALICE)["entries"]

    assert [e["event"] for e in entries] == ["ParcelRegistered", "TransferProposed"]
    assert all(e["tx"].startswith("0x") and len(e["tx"]) == 66 for e in entries)
    assert entries[1]["args"]["buyer"] == address(BOB)


def test_history_of_an_unregistered_parcel_is_a_one_line_error(civic):
    result = civic.run("land", "history", "999", account=ALICE)

    assert_one_line_error(result, f"parcel 999 is not registered on LandRegistry {civic.registry}")


def test_malformed_buyer_address_is_a_one_line_error(civic):
    result = civic.run("land", "propose", "1", "0x123", "--deed-hash", digest("d"), account=ALICE)

    assert_one_line_error(result, "BUYER '0x123' is not an Ethereum address (0x and 40 hex digits)")
