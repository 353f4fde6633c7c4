"""The `civic` command: the demo tells the whole story; user mistakes end in one line."""

import click
from click.testing import CliRunner

from civicledger import cli
from civicledger.errors import ConfigError


def test_demo_tells_the_seed_story_end_to_end():
    result = CliRunner().invoke(cli.main, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Distribution to 100 citizens started... interrupted after batch 1 of 3" in out
    assert "Every citizen holds exactly {10} tokens" in out
    assert "refused, MerchantCategoryNotAllowed" in out
    assert "Family 2 (no ETH) signed a payment" in out
    assert "redeemed                   5 tokens" in out
    assert "History agrees with contract storage: yes" in out
    assert "escrow still backs every outstanding token" in out


def test_package_errors_become_one_line_without_a_traceback(monkeypatch):
    def broken(echo):
        raise ConfigError("Ganache is not installed: run `make install`")

    monkeypatch.setattr("civicledger.demo.run", broken)
    result = CliRunner().invoke(cli.main, ["demo"])
    assert result.exit_code == 1
    assert result.output == "Error: Ganache is not installed: run `make install`\n"
    assert isinstance(result.exception, SystemExit)


def test_version_is_reported():
    result = CliRunner().invoke(cli.main, ["--version"])
    assert result.exit_code == 0 and "0.1.0" in result.output
    assert isinstance(cli.main, click.Group)
