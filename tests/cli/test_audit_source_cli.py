"""`civic audit export` and `civic audit verify` as an auditor types them, against a Ganache this
module starts itself. Compiles are shared with tests/integration/test_audit_sources.py through
build/audit-cache (keyed by the exact input), so a warm run takes seconds."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from civicledger import cli
from tests.conftest import dev_node

NAMES = ["BenefitToken", "DevStablecoin", "LandRegistry"]
UNIT = "contracts/dev/DevStablecoin.sol"


@dataclass
class Civic:
    run: Callable[..., Result]
    deployments: Path
    export: Path
    url: str

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture(scope="module")
def civic(tmp_path_factory) -> Civic:
    deployments = tmp_path_factory.mktemp("deployments")
    env = {
        "CIVIC_DEPLOYMENTS": str(deployments),
        **dict.fromkeys(("CIVIC_NETWORK", "CIVIC_ACCOUNT", "CIVIC_KEYSTORE", "CIVIC_PRIVATE_KEY")),
    }
    runner = CliRunner(env=env)
    with dev_node(accounts=2) as dev:
        url = dev.w3.provider.endpoint_uri

        def run(*args: str) -> Result:
            return runner.invoke(cli.main, [*args, "--network", url])

        deployed = Civic(run, deployments, tmp_path_factory.mktemp("audit") / "export", url)
        deployed.ok("deploy", "--account", "dev0")
        deployed.ok("audit", "export", "--out", str(deployed.export))
        yield deployed


def tampered_export(civic: Civic, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the export whose DevStablecoin standard input has one line changed."""
    folder = tmp_path / "tampered"
    for name in NAMES:
        (folder / name).mkdir(parents=True)
        data = json.loads((civic.export / name / "standard-input.json").read_text())
        if name == "DevStablecoin":
            data["sources"][UNIT]["content"] = data["sources"][UNIT]["content"].replace(old, new)
        (folder / name / "standard-input.json").write_text(json.dumps(data))
    return folder


def test_export_writes_one_folder_per_contract_and_export_json(civic):
    summary = json.loads((civic.export / "export.json").read_text())
    assert summary["chainId"] == 1337 and sorted(summary["contracts"]) == NAMES
    for name in NAMES:
        files = {p.name for p in (civic.export / name).iterdir()}
        assert files == {
            "standard-input.json",
            "constructor-args.txt",
            "compiler-version.txt",
            "metadata.json",
            "sources",
        }
    assert (civic.export / "DevStablecoin" / "sources" / UNIT).is_file()


def test_export_defaults_to_a_folder_named_for_the_chain(civic, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = civic.ok("audit", "export", "--json")
    assert json.loads(result.output)["out"] == "audit-export-1337"
    assert (tmp_path / "audit-export-1337" / "BenefitToken" / "standard-input.json").is_file()


def test_verify_reports_an_exact_match_for_every_contract(civic):
    result = civic.ok("audit", "verify")
    for name in NAMES:
        assert f"{name:16} " in result.output
    assert result.output.count("EXACT MATCH  (runtime: exact match, creation: exact match)") == 3


def test_verify_json_says_ok_and_each_verdict(civic):
    data = json.loads(civic.ok("audit", "verify", "--json").output)
    assert data["ok"] is True
    assert {name: v["status"] for name, v in data["contracts"].items()} == dict.fromkeys(
        NAMES, "exact match"
    )


def test_verify_fails_with_status_1_when_a_source_line_changed(civic, tmp_path):
    folder = tampered_export(civic, tmp_path, "return 6;", "return 18;")
    result = civic.run("audit", "verify", "--export", str(folder), "--allow-partial")
    assert result.exit_code == 1, result.output
    assert "DevStablecoin" in result.output and "MISMATCH" in result.output
    assert f"source differs from the recorded keccak256: {UNIT}" in result.output
    assert result.output.count("EXACT MATCH") == 2


def test_verify_fails_on_a_partial_match_unless_allowed(civic, tmp_path):
    folder = tampered_export(civic, tmp_path, "pragma solidity", "pragma  solidity")
    strict = civic.run("audit", "verify", "--export", str(folder))
    assert strict.exit_code == 1, strict.output
    assert "MATCH EXCEPT METADATA" in strict.output
    assert f"source differs from the recorded keccak256: {UNIT}" in strict.output
    assert civic.run("audit", "verify", "--export", str(folder), "--allow-partial").exit_code == 0


def test_verify_needs_a_manifest_that_records_sources(civic, tmp_path):
    manifest = civic.deployments / "1337.json"
    original = manifest.read_text()
    data = json.loads(original)
    del data["contracts"]["LandRegistry"]["sources"]
    try:
        manifest.write_text(json.dumps(data))
        result = civic.run("audit", "verify")
    finally:
        manifest.write_text(original)
    assert result.exit_code == 2
    assert result.output.startswith("Error: the manifest's LandRegistry entry lacks sources")


def test_export_of_a_chain_without_a_deployment_is_one_line(civic, tmp_path):
    result = CliRunner(env={"CIVIC_DEPLOYMENTS": str(tmp_path)}).invoke(
        cli.main, ["audit", "export", "--network", civic.url, "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert result.output == f"Error: {tmp_path}/1337.json names no contract: nothing to export\n"
