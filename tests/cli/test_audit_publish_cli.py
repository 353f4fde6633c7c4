"""`civic audit publish` as an auditor types it, against the local fake explorer of
tests/integration/test_explorers.py (no explorer is reachable from the project's machines)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from civicledger import cli
from tests.integration.test_explorers import (
    REGISTRY,
    TOKEN,
    FakeExplorer,
    Reply,
    es,
    write_export,
)

ES = "/v2/api"


@pytest.fixture(scope="module", autouse=True)
def module_chain():
    """No chain here: publishing talks HTTP only (and needs no RPC node), so these tests skip
    the conftest's chain snapshots."""


@pytest.fixture(autouse=True)
def isolation():
    """As above: nothing on chain to reset between tests."""


@pytest.fixture(scope="module")
def _fake_explorer():
    server = FakeExplorer()
    yield server
    server.close()


@pytest.fixture
def explorer_server(_fake_explorer):
    """A local server speaking Etherscan API v2, with no script and no requests yet."""
    _fake_explorer.reset()
    return _fake_explorer


@pytest.fixture
def export_dir(tmp_path):
    return write_export(tmp_path / "export")


@pytest.fixture
def civic(monkeypatch):
    """Run `civic …` in-process with $ETHERSCAN_API_KEY set; no RPC node is needed."""
    monkeypatch.setenv("ETHERSCAN_API_KEY", "KEY123")
    monkeypatch.delenv("CIVIC_NETWORK", raising=False)

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli.main, list(args))

    return run


def publish_args(server, export_dir, *extra: str) -> list[str]:
    return [
        "audit", "publish", "--explorer", "etherscan", "--network", "development",
        "--export", str(export_dir), "--api-url", f"{server.url}/v2/api",
        "--poll-interval", "0.01", "--max-wait", "2", *extra,
    ]  # fmt: skip


def test_publish_prints_each_contracts_verdict(civic, explorer_server, export_dir):
    explorer_server.script(
        "POST", ES, es("guid-1"), es("Contract source code already verified", "0", "NOTOK")
    )
    explorer_server.script("GET", ES, es("Pending in queue", "0", "NOTOK"), es("Pass - Verified"))

    result = civic(*publish_args(explorer_server, export_dir))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"publishing 2 contracts of {export_dir} on etherscan",
        f"BenefitToken     {TOKEN}  verified",
        f"LandRegistry     {REGISTRY}  already verified",
    ]
    assert {r.query["chainid"] for r in explorer_server.requests} == {"1337"}


def test_publish_fails_with_exit_1_and_the_explorers_reason(civic, explorer_server, export_dir):
    reason = "Fail - Unable to verify. Compiled contract deployment bytecode does NOT match"
    explorer_server.script("POST", ES, es("guid-1"), es("guid-2"))
    explorer_server.script("GET", ES, es("Pass - Verified"), es(reason, "0", "NOTOK"))

    result = civic(*publish_args(explorer_server, export_dir))

    assert result.exit_code == 1
    assert f"LandRegistry     {REGISTRY}  failed: {reason}" in result.output
    assert result.output.splitlines()[-1] == "not verified on etherscan: LandRegistry"


def test_publish_says_when_it_was_rate_limited_and_retried(civic, explorer_server, export_dir):
    # Retry-After 0 keeps the test fast (the CLI's backoff starts at 2 s); Etherscan itself
    # sends none, and the backoff is checked in tests/integration/test_explorers.py.
    limit = Reply(
        200,
        {"status": "0", "message": "NOTOK", "result": "Max rate limit reached"},
        {"Retry-After": "0"},
    )
    explorer_server.script("POST", ES, limit, es("guid-1"), es("guid-2"))
    explorer_server.script("GET", ES, es("Pass - Verified"))

    result = civic(*publish_args(explorer_server, export_dir))

    assert result.exit_code == 0, result.output
    assert f"BenefitToken     {TOKEN}  verified  [rate-limited 1x, retried]" in result.output
    assert f"LandRegistry     {REGISTRY}  verified\n" in result.output


def test_publish_json_gives_every_contracts_outcome(civic, explorer_server, export_dir):
    explorer_server.script("POST", ES, es("guid-1"))
    explorer_server.script("GET", ES, es("Pass - Verified"))

    result = civic(*publish_args(explorer_server, export_dir, "--json"))

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "chainId": 1337,
        "explorer": "etherscan",
        "ok": True,
        "contracts": {
            "BenefitToken": {"address": TOKEN, "status": "verified"},
            "LandRegistry": {"address": REGISTRY, "status": "verified"},
        },
    }


def test_publish_reads_the_export_where_civic_audit_export_writes_it_by_default(
    civic, explorer_server, tmp_path, monkeypatch
):
    write_export(tmp_path / "audit-export-1337")
    monkeypatch.chdir(tmp_path)
    explorer_server.script("POST", ES, es("guid-1"))
    explorer_server.script("GET", ES, es("Pass - Verified"))
    args = publish_args(explorer_server, "unused")
    del args[args.index("--export") : args.index("--export") + 2]

    result = civic(*args)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("publishing 2 contracts of audit-export-1337 on etherscan\n")


def test_publish_without_an_export_is_one_line_and_exit_2(civic, explorer_server, tmp_path):
    result = civic(*publish_args(explorer_server, tmp_path / "nowhere"))

    assert result.exit_code == 2
    assert result.output == (
        f"Error: no audit export in {tmp_path / 'nowhere'} (no export.json): run `civic audit "
        "export` first, or pass --export DIR\n"
    )
    assert explorer_server.requests == []


def test_publish_on_etherscan_without_an_api_key_is_one_line_and_exit_2(
    civic, explorer_server, export_dir, monkeypatch
):
    monkeypatch.delenv("ETHERSCAN_API_KEY")

    result = civic(*publish_args(explorer_server, export_dir))

    assert result.exit_code == 2
    assert result.output == (
        "Error: Etherscan needs an API key: export ETHERSCAN_API_KEY=… (one key serves every "
        "chain of API v2)\n"
    )
    assert explorer_server.requests == []


@pytest.mark.parametrize("explorer", ["etherscan", "blockscout", "sourcify"])
def test_publish_for_a_chain_no_explorer_knows_asks_for_api_url(civic, export_dir, explorer):
    result = civic(
        "audit", "publish", "--explorer", explorer, "--network", "development",
        "--export", str(export_dir),
    )  # fmt: skip

    assert result.exit_code == 2
    assert result.output.startswith(
        f"Error: {explorer} has no known API for chain 1337: pass --api-url"
    )
    assert len(result.output.splitlines()) == 1


def test_publish_refuses_an_export_of_another_chain(civic, explorer_server, tmp_path):
    other = write_export(tmp_path / "sepolia-export", chain_id=11155111)

    result = civic(*publish_args(explorer_server, other))

    assert result.exit_code == 2
    assert result.output == (
        f"Error: {other} is an export of chain 11155111, but network 'development' is chain "
        "1337\n"
    )
