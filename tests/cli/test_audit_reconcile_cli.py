"""`civic audit reconcile` as an auditor types it, against a Ganache this module starts and a city
set up through the CLI itself (`tests.cli.test_merchant_cli.city_on_a_dev_node`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from civicledger import chain, land
from tests.cli.test_merchant_cli import (
    ALICE,
    BOB,
    PHARMACY,
    City,
    city_on_a_dev_node,
    snapshot_each_test,
)

REGISTRAR = 3


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Iterator[City]:
    """The merchant tests' city, after a wallet payment, a signed payment, a redemption and a
    parcel registration."""
    with city_on_a_dev_node(tmp_path_factory.mktemp("reconcile-cli")) as c:
        c.wallet_pay(ALICE, PHARMACY, 3)
        c.ok("merchant", "submit", str(c.sign(BOB, 2)), account=f"dev{PHARMACY}")
        c.ok("merchant", "redeem", account=f"dev{PHARMACY}")
        c.ok("grant", "REGISTRAR_ROLE", c.address(REGISTRAR))
        c.ok(
            "land", "register", "--owner", c.address(ALICE), "--cadastral-ref", "LOT-AUDIT",
            "--area", "800", "--geometry", "0x" + land.document_hash("survey").hex(),
            "--deed", "0x" + land.document_hash("deed").hex(), account=f"dev{REGISTRAR}",
        )  # fmt: skip
        yield c


@pytest.fixture(autouse=True)
def fresh_state(city):
    yield from snapshot_each_test(city)


def test_a_clean_city_reconciles_and_exits_0(city):
    result = city.ok("audit", "reconcile")

    out = result.output
    assert "Program 1: Health 2027" in out
    assert re.search(r"  minted +tokens +40 +40 +0\n", out)
    assert re.search(r"  redeemed +tokens +5 +5 +0\n", out)
    assert re.search(r"  paid out +cdUSD +50\.000000 +50\.000000 +0\.000000\n", out)
    assert "Parcels: 1 rebuilt from events, 1 agree with storage" in out
    assert out.rstrip().endswith("Reconciled: events and contract state agree.")
    assert "<- differs" not in out


def test_stablecoin_sent_around_fund_program_is_a_surplus_and_exits_1(city):
    receipt = chain.transact(
        city.dev.w3,
        city.dev.accounts[1],
        city.stablecoin.functions.transfer(city.token.address, 5_000_000),
    )

    result = city.civic("audit", "reconcile")

    assert result.exit_code == 1, result.output
    out = result.output
    assert re.search(
        r"  stablecoin held by BenefitToken +cdUSD +4,950\.000000 +4,955\.000000 +5\.000000"
        r"  <- differs\n",
        out,
    )
    assert "holds a surplus of 5.000000 cdUSD that no program's escrow accounts for" in out
    assert (
        f"cdUSD sent outside fundProgram: 5.000000 from {city.address(1)} "
        f"in tx {receipt.tx_hash}" in out
    )
    assert out.rstrip().endswith("1 difference found.")


def test_cache_makes_the_second_run_read_only_new_blocks(city):
    cache = city.folder / "reconcile-cache.json"
    args = ("audit", "reconcile", "--json", "--log-chunk", "4", "--cache", str(cache))
    first = json.loads(city.ok(*args).output)
    assert first["differences"] == 0
    assert all(r["to"] - r["from"] < 10**9 for r in first["logRanges"])
    city.rpc("evm_mine")
    city.rpc("evm_mine")

    second = json.loads(city.ok(*args).output)

    assert second["block"] == first["block"] + 2
    assert {(r["from"], r["to"]) for r in second["logRanges"]} == {
        (first["block"] + 1, second["block"])
    }
    assert second["differences"] == 0 and second["programs"] == first["programs"]
