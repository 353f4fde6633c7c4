"""The `civic` command: the demo tells the whole story; user mistakes end in one line."""

import re
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from civicledger import cli
from civicledger.errors import ConfigError


@pytest.mark.ganache_by_design  # `civic demo` starts its own Ganache
def test_demo_tells_the_seed_story_end_to_end():
    started = time.monotonic()
    result = CliRunner().invoke(cli.main, ["demo"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 120, "the demo must tell the story in under 2 minutes"
    out = result.output
    # Four programs budgeted with their rules, and four merchants onboarded.
    for name in ("Education 2027", "Health 2027", "Food Support 2027", "Pension 2027"):
        assert re.search(rf"^\s+\d\s+{name}\s+[\d,]+ × [\d.]+\s+\d{{4}}-", out, re.M), name
    assert "Merchants onboarded: school (SCHOOL" in out
    # 1,000 citizens from citizens.csv, cut off after the first batch, resumed, exact to the token.
    assert "citizens.csv: 1,000 rows (address,amount)" in out
    assert "First attempt: killed right after batch 0" in out
    assert "Second attempt, same file and run id: batch" in out
    assert "checked row by row against the file" in out
    resumed = re.search(
        r"then sent the [\d,]+ other batch(?:es)? \([\d, -]+\): ([\d,]+) more citizens paid", out
    )
    already = re.search(r"checked row by row against the file: ([\d,]+) citizens already", out)
    assert resumed and already, out
    assert int(already[1].replace(",", "")) + int(resumed[1].replace(",", "")) == 1_000
    assert "all 1,000 citizens hold exactly the amount on their row" in out
    # Both ways of paying, a refusal by its error's name, four merchants paid.
    assert "citizen 1 paid the school 4 Education tokens" in out
    assert "citizen 1 paid the grocer 3 Food Support tokens" in out
    assert "Health tokens to the pharmacy, which submitted it and was paid" in out
    assert "Pension token to the gym, which submitted it and was paid" in out
    assert "refused, MerchantCategoryNotAllowed (Health 2027 does not allow GYM merchants)" in out
    assert "refused, CitizenTransferNotAllowed" in out
    assert "the school redeemed 4 tokens" in out and "the grocer redeemed 3 tokens" in out
    assert "Merchants paid: school, pharmacy, grocer, gym (4 of 4)" in out
    # The programs table: budget, minted, redeemed, outstanding, escrow, paid out.
    table = re.findall(
        r"^\s+\d\s+(.+?)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,.]+)\s+([\d,.]+)$",
        out.split("Summary")[-1],
        re.M,
    )
    rows = {name: [float(v.replace(",", "")) for v in figures] for name, *figures in table}
    assert set(rows) == {"Education 2027", "Health 2027", "Food Support 2027", "Pension 2027"}
    for budget, minted, redeemed, outstanding, _escrow, paid_out in rows.values():
        assert minted <= budget and outstanding == minted - redeemed and paid_out > 0
    assert rows["Food Support 2027"][1] >= 10_000  # every citizen of the spreadsheet was paid
    assert "Escrow backs every outstanding token of every program: yes" in out
    # The land story, its history from events agreeing with storage.
    assert "registrar's approval refused: ParcelEncumbered" in out
    assert "bob's attempt to sell it on was refused: ParcelFrozen" in out
    assert "History agrees with contract storage: yes" in out
    assert "a history that agrees with storage: yes" in out
    # The run's transparency report outlives the throwaway chain.
    shown = re.search(r"Transparency report of this run \(opens from disk\): (\S+)$", out, re.M)
    assert shown and shown[1].endswith("reports/demo-report/index.html"), out[-500:]
    assert "CivicLedger transparency report" in Path(shown[1]).read_text()


def test_package_errors_become_one_line_without_a_traceback(monkeypatch):
    def broken(echo):
        raise ConfigError("Ganache is not installed: run `make install`")

    monkeypatch.setattr("civicledger.demo.run", broken)
    result = CliRunner().invoke(cli.main, ["demo"])
    assert result.exit_code == 2  # a package error is the user's to fix: UserError's status
    assert result.output == "Error: Ganache is not installed: run `make install`\n"
    assert isinstance(result.exception, SystemExit)


def test_version_is_reported():
    result = CliRunner().invoke(cli.main, ["--version"])
    assert result.exit_code == 0 and "0.1.0" in result.output
    assert isinstance(cli.main, click.Group)
