"""The transparency report (`civicledger.report`, `civic report`) after a small story on the
Brownie chain: its figures are the contracts', no citizen appears, small groups never show."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from click.testing import CliRunner
from eth_account import Account
from eth_utils import keccak

from civicledger import benefits, chain, cli, distribution, land, payments, report, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.deploy import deploy_suite

FACE = 10_000_000  # 10.00 cdUSD (6 decimals)
DAY = 86400
GROCER_PAYMENTS = 10  # exactly the default threshold: shows
PHARMACY_PAYMENTS = 9  # one short of it: never shows


def citizens(n: int, seed: str) -> list:
    return [Account.from_key(keccak(text=f"report {seed} {i}")) for i in range(n)]


def tell_story(w3, signer, actors: dict, deployments) -> dict:
    """Two programs, two merchants in two districts, 10 payments at the grocer (district 3), 9 at
    the pharmacy (district 2), a redemption, an expired program's escrow withdrawn, and two land
    parcels. Returns the suite, the citizens and the programs' ids."""
    from brownie import chain as brownie_chain

    city, treasurer = signer(actors["city"]), signer(actors["treasurer"])
    grocer, pharmacy = signer(actors["grocer"]), signer(actors["pharmacy"])
    suite = deploy_suite(w3, city, deployments=deployments)
    token = suite.benefits
    roles.grant_roles(
        w3,
        city,
        token,
        {r: city.address for r in ("PROGRAM_MANAGER_ROLE", "MERCHANT_MANAGER_ROLE")}
        | {"DISTRIBUTOR_ROLE": city.address, "TREASURER_ROLE": treasurer.address},
    )
    chain.transact(w3, city, suite.stablecoin.functions.mint(treasurer.address, 10**12))
    benefits.onboard_merchant(w3, city, token, grocer.address, MerchantCategory.GROCERY, 3)
    benefits.onboard_merchant(w3, city, token, pharmacy.address, MerchantCategory.PHARMACY, 2)

    now = w3.eth.get_block("latest")["timestamp"]

    def program(name: str, budget: int, days: int) -> int:
        config = benefits.ProgramConfig(
            name=name,
            category=ProgramCategory.SOCIAL_WELFARE,
            face_value=FACE,
            budget=budget,
            valid_from=now - 60,
            valid_until=now + days * DAY,
            merchant_categories=bits([MerchantCategory.GROCERY, MerchantCategory.PHARMACY]),
            districts=bits([2, 3]),
        )
        pid = benefits.create_program(w3, city, token, config)
        benefits.fund_program(w3, treasurer, token, suite.stablecoin, pid, budget * FACE)
        return pid

    food = program("Food Support 2027", 1_000, 365)
    winter = program("Winter Fuel 2026", 200, 1)
    people = citizens(25, "citizen")
    distribution.distribute(w3, city, token, food, [(c.address, 10) for c in people], run_id="f")
    distribution.distribute(w3, city, token, winter, [(c.address, 4) for c in people], run_id="w")

    def signed(citizen, merchant, amount: int) -> None:
        payment = payments.authorize(
            citizen,
            merchant=merchant.address,
            program_id=food,
            amount=amount,
            chain_id=w3.eth.chain_id,
            verifying_contract=token.address,
            valid_after=w3.eth.get_block("latest")["timestamp"] - 60,
        )
        payments.submit(w3, merchant, token, payment)

    # The grocer: 6 wallet payments, then 4 signed ones (10 in its cell).
    for citizen in people[:6]:
        chain.send_ether(w3, city, citizen.address, 10**16)
        call = token.functions.safeTransferFrom(citizen.address, grocer.address, food, 3, b"")
        chain.transact(w3, citizen, call)
    for citizen in people[6:10]:
        signed(citizen, grocer, 2)
    brownie_chain.sleep(2 * DAY)
    brownie_chain.mine()  # signatures are dated from the latest block
    # The pharmacy: 9 signed payments from 9 other citizens, two days later.
    for citizen in people[10 : 10 + PHARMACY_PAYMENTS]:
        signed(citizen, pharmacy, 1)
    benefits.redeem_all(w3, grocer, token)

    # Winter Fuel expires; the treasury takes its unspent escrow back.
    closes = benefits.program(token, winter).redemption_closes_at
    brownie_chain.sleep(closes - w3.eth.get_block("latest")["timestamp"] + 1)
    brownie_chain.mine()
    chain.transact(w3, treasurer, token.functions.withdrawUnspent(winter))

    registrar = signer(actors["registrar"])
    land.ensure_roles(w3, city, suite.registry, {"registrar": registrar})
    for ref in ("LOT-R-1", "LOT-R-2"):
        land.register(
            w3,
            registrar,
            suite.registry,
            owner=actors["alice"].address,
            cadastral_ref=ref,
            geometry_hash=land.document_hash(ref),
            area=500,
            deed_hash=land.document_hash(f"deed {ref}"),
        )
    return {"suite": suite, "citizens": people, "food": food, "winter": winter}


@pytest.fixture(scope="module")
def story(w3, signer, city, treasurer, registrar, alice, grocer, pharmacy, tmp_path_factory):
    actors = {
        "city": city,
        "treasurer": treasurer,
        "registrar": registrar,
        "alice": alice,
        "grocer": grocer,
        "pharmacy": pharmacy,
    }
    return tell_story(w3, signer, actors, tmp_path_factory.mktemp("deployments"))


@pytest.fixture(scope="module")
def data(w3, story):
    suite = story["suite"]
    return report.collect(
        w3,
        suite.benefits,
        suite.registry,
        from_blocks=report.deployment_blocks(suite.manifest.contracts),
        log_chunk=7,  # several log requests per contract, as a provider's range cap forces
    )


@pytest.fixture(scope="module")
def page(data):
    return report.render(data)


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert match, f"no section {anchor}"
    return match[1]


def field(row: str, name: str) -> int:
    match = re.search(rf'data-field="{name}" data-value="(\d+)"', row)
    assert match, f"no {name} in {row[:200]}"
    return int(match[1])


def rows(page: str, table: str, attribute: str) -> dict[str, str]:
    body = re.search(rf'<table class="figures" id="{table}">(.*?)</table>', page, re.S)
    assert body, f"no table {table}"
    return dict(re.findall(rf'<tr {attribute}="([^"]+)">(.*?)</tr>', body[1], re.S))


def test_program_figures_are_the_contracts(w3, story, page):
    token = story["suite"].benefits
    table = rows(page, "programs-table", "data-program")
    assert set(table) == {str(story["food"]), str(story["winter"])}
    for pid, row in table.items():
        figures = benefits.program(token, int(pid))
        for name in ("budget", "minted", "redeemed", "reclaimed", "expired", "outstanding"):
            assert field(row, name) == getattr(figures, name), (pid, name)
    food = benefits.program(token, story["food"])
    assert food.redeemed == 6 * 3 + 4 * 2 + PHARMACY_PAYMENTS  # every payment settled
    winter = benefits.program(token, story["winter"])
    assert winter.closed and field(table[str(story["winter"])], "expired") == 100 > 0


def test_escrow_backing_is_the_contracts_and_the_stablecoins(story, page):
    suite = story["suite"]
    table = rows(page, "escrow-table", "data-program")
    for pid, row in table.items():
        figures = benefits.program(suite.benefits, int(pid))
        assert field(row, "escrow_balance") == figures.escrow_balance
        assert field(row, "outstanding_value") == figures.outstanding_value
        assert field(row, "paid_out") == figures.paid_out
        assert field(row, "withdrawn") == figures.withdrawn
    held = suite.stablecoin.functions.balanceOf(suite.benefits.address).call()
    backing = section(page, "escrow")
    assert f'data-value="{held}">{held / 10**6:,.2f} cdUSD' in backing
    assert "every outstanding token is backed" in backing


def test_every_figure_lists_its_transactions(story, data, page):
    food = data.program_txs[story["food"]]
    assert len(food.created) == 1 and len(food.funded) == 1 and food.minted
    assert len(food.redeemed) == 4 + PHARMACY_PAYMENTS + 1  # signed payments and one redemption
    assert len(data.program_txs[story["winter"]].withdrawn) == 1
    for tx in food.created + food.funded + food.minted + food.redeemed:
        assert f"<code>{tx}</code>" in page
    # A dev chain has no explorer: hashes without links.
    assert not re.search(r'<a href="https?://', page)


def test_transactions_link_to_the_explorer_when_the_chain_has_one(data):
    linked = report.render(replace(data, chain_id=11155111))  # Sepolia
    tx = data.program_txs[1].created[0]
    assert f'<a href="https://sepolia.etherscan.io/tx/{tx}"><code>{tx}</code></a>' in linked


def test_no_citizen_address_appears(story, page):
    lowered = page.lower()
    for citizen in story["citizens"]:
        assert citizen.address[2:].lower() not in lowered
    # The only addresses written are the suite's contracts.
    contracts = {
        a.lower()
        for a in (
            story["suite"].benefits.address,
            story["suite"].registry.address,
            story["suite"].stablecoin.address,
        )
    }
    written = set(re.findall(r"0x[0-9a-f]{40}(?![0-9a-f])", lowered))
    assert written == contracts


def test_a_group_of_ten_payments_shows_and_a_group_of_nine_never_does(page):
    by_cell = rows(page, "by-cell-table", "data-group")
    assert list(by_cell) == ["grocery · district 3"]
    assert field(by_cell["grocery · district 3"], "count") == GROCER_PAYMENTS
    assert field(by_cell["grocery · district 3"], "value") == (6 * 3 + 4 * 2) * FACE
    # The pharmacy's 9 payments show nowhere: no row, no label, no "other", no district 2.
    spending = section(page, "by-place")
    assert "pharmacy" not in page.lower() and "district 2" not in spending
    assert 'data-group="other"' not in spending
    assert "1 group of fewer than 10 payments not shown" in spending
    assert list(rows(page, "by-district-table", "data-group")) == ["district 3"]
    assert list(rows(page, "by-category-table", "data-group")) == ["grocery"]


def test_the_threshold_is_configurable_and_the_nine_show_at_nine(data):
    page = report.render(data, min_group=9)
    by_cell = rows(page, "by-cell-table", "data-group")
    assert field(by_cell["pharmacy · district 2"], "count") == PHARMACY_PAYMENTS
    assert set(rows(page, "by-district-table", "data-group")) == {"district 2", "district 3"}
    # At 11 both groups are small: together (19) they make "other", named by neither.
    page = report.render(data, min_group=11)
    assert list(rows(page, "by-cell-table", "data-group")) == ["other"]
    assert "grocery" not in page and "pharmacy" not in page
    page = report.render(data, min_group=20)
    assert "Fewer than 20 payments in every group: nothing to show" in page


def test_small_groups_merge_into_other_which_shows_only_at_the_threshold():
    def group(label, count):
        return report.Group(label, count=count, value=count * FACE, txs=[label] * count)

    nine = report.merge_small_groups([group("a", 9), group("b", 10)], 10)
    assert [g.label for g in nine.shown] == ["b"] and not nine.other_shown
    assert nine.other.count == 9 and nine.hidden_groups == 1
    two = report.merge_small_groups([group("a", 9), group("c", 1), group("b", 10)], 10)
    assert two.other_shown and two.other.count == 10 and two.hidden_groups == 2


def test_small_time_buckets_merge_forward_and_a_short_tail_joins_the_last():
    def bucket(start, count):
        return report.Group(str(start), count=count, key=(start, f"s{start}", f"e{start}"))

    merged = report.merge_small_buckets(
        [bucket(1, 4), bucket(2, 6), bucket(3, 12), bucket(4, 3)], 10
    )
    assert [(g.count, g.label) for g in merged] == [(10, "s1 – e2"), (15, "s3 – e4")]
    assert report.merge_small_buckets([bucket(1, 9)], 10) == []


def test_spending_over_time_is_dated_by_blocks_and_merged_to_the_threshold(data, page):
    assert len(data.settlements) == 4 + PHARMACY_PAYMENTS + 1
    assert {s.signed for s in data.settlements} == {True, False}
    table = section(page, "over-time")
    counts = [int(c) for c in re.findall(r'data-field="count" data-value="(\d+)"', table)]
    assert sum(counts) == len(data.settlements) and all(c >= 10 for c in counts)


def test_land_registry_activity_counts_the_registry_events(page):
    land_rows = rows(page, "land-table", "data-event")
    assert field(land_rows["ParcelRegistered"], "count") == 2


def test_the_page_is_self_contained(page):
    assert page.count('<svg class="chart"') >= 6  # programs, escrow, time, 3 spending, land
    assert not re.search(r"<script|<link|<iframe|<img|@import|\bsrc=", page, re.I)
    assert set(re.findall(r"url\((.)", page)) <= {"#"}  # SVG's clip paths, inside the page
    for url in re.findall(r"https?://[^\"'\s<>)]+", page):
        assert url.startswith("http://www.w3.org/"), url  # SVG's XML namespaces, never fetched


def test_civic_report_writes_the_page(w3, story, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVIC_DEPLOYMENTS", str(story["suite"].manifest.path.parent))
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli.main,
        ["report", "--network", w3.provider.endpoint_uri, "--out", str(out), "--min-group", "9"],
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"report: {out / 'index.html'}\n"
    assert "pharmacy · district 2" in (out / "index.html").read_text()
    refused = CliRunner().invoke(cli.main, ["report", "--min-group", "1"])
    assert refused.exit_code == 2 and "--min-group" in refused.output
