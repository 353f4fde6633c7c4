"""Source verification against a chain: the manifest records what a rebuild needs, the export
rebuilds byte for byte with solc-js, `verify` tells exact from partial from mismatch, and
Sourcify's own library agrees from the exported files alone.

Compiles are the slow part (solc-js with viaIR: about a minute for BenefitToken), so the suite is
deployed and exported once per module; the independent compiles (Sourcify's, and solc-js on each
exported standard-input.json) run as background processes started by the module fixture, in
parallel with the other tests, and are collected by the tests that need them.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from civicledger import artifacts, sources
from civicledger.deploy import deploy_suite
from civicledger.manifest import Manifest

ROOT = artifacts.project_root()
NAMES = ["BenefitToken", "DevStablecoin", "LandRegistry"]

# Compiles each standard-JSON file named on the command line with node_modules/solc and prints
# {file: {"creation", "runtime", "immutableReferences"}} for the contract the file was made for.
_SOLCJS = """
const fs = require("fs"), solc = require(process.cwd() + "/node_modules/solc");
const out = {};
for (const [file, unit, name] of JSON.parse(process.argv[1])) {
  const result = JSON.parse(solc.compile(fs.readFileSync(file, "utf8")));
  const c = result.contracts[unit][name];
  out[name] = {version: solc.version(), creation: c.evm.bytecode.object,
    runtime: c.evm.deployedBytecode.object, refs: c.evm.deployedBytecode.immutableReferences};
}
fs.writeSync(1, JSON.stringify(out));
"""


@dataclass
class Audit:
    manifest: Manifest
    folder: Path
    summary: dict
    sourcify: subprocess.Popen
    solcjs: subprocess.Popen

    def entry(self, name: str) -> dict:
        return self.manifest.contracts[name]

    def standard_input(self, name: str) -> dict:
        return json.loads((self.folder / name / "standard-input.json").read_text())


@pytest.fixture(scope="module")
def audit(w3, city, signer, tmp_path_factory):
    deployments = tmp_path_factory.mktemp("deployments")
    suite = deploy_suite(w3, signer(city), deployments=deployments)
    folder = tmp_path_factory.mktemp("export")
    summary = sources.export(suite.manifest, folder)
    sourcify = subprocess.Popen(
        ["node", "tools/sourcify-verify.js", "--rpc", w3.provider.endpoint_uri, "--export", folder],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    jobs = [
        [str(folder / name / "standard-input.json"), entry["sourceUnit"], name]
        for name, entry in suite.manifest.contracts.items()
    ]
    solcjs = subprocess.Popen(
        ["node", "-e", _SOLCJS, json.dumps(jobs)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield Audit(suite.manifest, folder, summary, sourcify, solcjs)
    for process in (sourcify, solcjs):
        if process.poll() is None:
            process.kill()
            process.wait()


def creation_input(w3, entry: dict) -> str:
    return bytes(w3.eth.get_transaction(entry["transactionHash"])["input"]).hex()


def edited(input_json: dict, unit: str, old: str, new: str) -> dict:
    """`input_json` with one line of one source changed."""
    content = input_json["sources"][unit]["content"]
    assert content.count(old) == 1, f"{old!r} is not one line of {unit}"
    changed = json.loads(json.dumps(input_json))
    changed["sources"][unit]["content"] = content.replace(old, new)
    return changed


# --------------------------------------------------------------------------------------------
# The manifest


def test_manifest_records_settings_exactly_as_compiled(audit):
    entry = audit.entry("BenefitToken")
    assert entry["compilerVersion"] == "0.8.30+commit.73712a01"
    assert entry["sourceUnit"] == "contracts/benefits/BenefitToken.sol"
    assert entry["contractName"] == "BenefitToken"
    assert entry["settings"] == {
        "evmVersion": "shanghai",
        "optimizer": {"enabled": True, "runs": 200},
        "remappings": ["@openzeppelin=node_modules/@openzeppelin"],
        "viaIR": True,
    }


def test_manifest_hashes_the_whole_import_closure_not_only_brownies_source_list(audit):
    recorded = audit.entry("BenefitToken")["sources"]
    brownie = json.loads((ROOT / "build/contracts/BenefitToken.json").read_text())
    assert len(recorded) == 38 and len(brownie["allSourcePaths"]) < len(recorded)
    for unit in (
        "node_modules/@openzeppelin/contracts/utils/cryptography/ECDSA.sol",
        "node_modules/@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol",
        "node_modules/@openzeppelin/contracts/utils/math/SafeCast.sol",
    ):
        assert recorded[unit] == sources.source_hash((ROOT / unit).read_text())


def test_manifest_closure_is_the_one_the_compiler_read(audit):
    for name in NAMES:
        metadata = json.loads((audit.folder / name / "metadata.json").read_text())
        assert set(metadata["sources"]) == set(audit.entry(name)["sources"])
        assert set(audit.standard_input(name)["sources"]) == set(metadata["sources"])
        for unit, source in metadata["sources"].items():
            assert source["keccak256"] == audit.entry(name)["sources"][unit]


def test_manifest_records_the_repository_commit_and_constructor_arguments(w3, audit):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    for name in NAMES:
        entry = audit.entry(name)
        assert entry["repository"]["commit"] == head.stdout.strip()
        assert isinstance(entry["repository"]["dirty"], bool)
        assert creation_input(w3, entry).endswith(entry["constructorArgs"][2:])


# --------------------------------------------------------------------------------------------
# The export


def test_export_writes_the_layout_publish_reads(audit, w3):
    assert json.loads((audit.folder / "export.json").read_text()) == audit.summary
    assert audit.summary["chainId"] == w3.eth.chain_id
    assert sorted(audit.summary["contracts"]) == NAMES
    for name, row in audit.summary["contracts"].items():
        entry = audit.entry(name)
        assert row == {
            "address": entry["address"],
            "sourceUnit": entry["sourceUnit"],
            "contractName": name,
            "compilerVersion": "v0.8.30+commit.73712a01",
            "constructorArgs": entry["constructorArgs"],
            "creationTx": entry["transactionHash"],
        }
        folder = audit.folder / name
        assert (folder / "compiler-version.txt").read_text().strip() == row["compilerVersion"]
        assert (folder / "constructor-args.txt").read_text().strip() == row["constructorArgs"]
        settings = audit.standard_input(name)["settings"]
        assert {k: v for k, v in settings.items() if k != "outputSelection"} == entry["settings"]
        for unit in entry["sources"]:
            assert (folder / "sources" / unit).read_text() == (ROOT / unit).read_text()


def test_exported_standard_input_rebuilds_the_deployed_code_with_solc_js(w3, audit):
    out, err = audit.solcjs.communicate(timeout=600)
    assert audit.solcjs.returncode == 0, err
    built = json.loads(out)
    for name in NAMES:
        entry, compiled = audit.entry(name), built[name]
        assert compiled["version"].startswith(entry["compilerVersion"])
        assert creation_input(w3, entry) == compiled["creation"] + entry["constructorArgs"][2:]
        assert compiled["runtime"] == artifacts.load(name).deployed_bytecode
        on_chain = bytes(w3.eth.get_code(entry["address"]))
        masked = sources.mask_immutables(on_chain, compiled["refs"])
        assert masked.hex() == compiled["runtime"]
        assert (masked != on_chain) == (name != "DevStablecoin")  # immutables were filled in


def test_sourcify_verifies_every_exported_contract_as_a_perfect_match(audit):
    out, err = audit.sourcify.communicate(timeout=600)
    assert audit.sourcify.returncode == 0, out + err
    assert json.loads(out) == {
        name: {"runtimeMatch": "perfect", "creationMatch": "perfect"} for name in NAMES
    }


# --------------------------------------------------------------------------------------------
# Verify


def test_verify_finds_every_deployed_contract_an_exact_match(w3, audit):
    verdicts = sources.verify(w3, audit.manifest, export_folder=audit.folder)
    assert [(v.name, v.status, v.runtime, v.creation) for v in verdicts] == [
        (name, sources.EXACT, sources.EXACT, sources.EXACT) for name in NAMES
    ]
    assert all(not v.changed_sources and not v.reasons for v in verdicts)


def test_one_line_change_to_a_source_is_a_mismatch_naming_the_source(w3, audit):
    unit = "contracts/dev/DevStablecoin.sol"
    changed = edited(audit.standard_input("DevStablecoin"), unit, "return 6;", "return 18;")
    verdict = sources.verify_contract(w3, "DevStablecoin", audit.entry("DevStablecoin"), changed)
    assert (verdict.status, verdict.runtime) == (sources.MISMATCH, sources.MISMATCH)
    assert verdict.changed_sources == [unit]


def test_a_comment_change_is_a_match_except_metadata_naming_the_source(w3, audit):
    unit = "node_modules/@openzeppelin/contracts/token/ERC20/ERC20.sol"
    changed = edited(
        audit.standard_input("DevStablecoin"),
        unit,
        "abstract contract ERC20 ",
        "abstract  contract ERC20 ",
    )
    verdict = sources.verify_contract(w3, "DevStablecoin", audit.entry("DevStablecoin"), changed)
    assert (verdict.status, verdict.runtime, verdict.creation) == (sources.PARTIAL,) * 3
    assert verdict.changed_sources == [unit]


def test_constructor_only_source_change_is_caught_by_the_creation_check(w3, audit):
    unit = "contracts/dev/DevStablecoin.sol"
    changed = edited(
        audit.standard_input("DevStablecoin"),
        unit,
        '"CivicLedger Dev Dollar"',
        '"CivicLedger Dev Dollars"',
    )
    verdict = sources.verify_contract(w3, "DevStablecoin", audit.entry("DevStablecoin"), changed)
    # The runtime code alone would pass as a partial match: only the creation code tells.
    assert verdict.runtime == sources.PARTIAL
    assert (verdict.status, verdict.creation) == (sources.MISMATCH, sources.MISMATCH)
    assert "creation code differs" in " ".join(verdict.reasons)


def test_constructor_arguments_other_than_recorded_are_a_mismatch(w3, audit, bob):
    entry = dict(audit.entry("DevStablecoin"))
    entry["constructorArgs"] = "0x" + bytes(12).hex() + bob.address[2:].lower()
    verdict = sources.verify_contract(
        w3, "DevStablecoin", entry, audit.standard_input("DevStablecoin")
    )
    assert (verdict.runtime, verdict.creation) == (sources.EXACT, sources.MISMATCH)
    assert verdict.status == sources.MISMATCH
    assert "constructor arguments" in " ".join(verdict.reasons)


def test_immutables_are_masked_by_the_compilers_references_not_ignored(w3, audit):
    """Any other byte of the runtime code still counts: BenefitToken with one flipped byte
    outside its immutables is a mismatch."""
    compiled = sources.compile_input(
        audit.standard_input("BenefitToken"), audit.entry("BenefitToken")["compilerVersion"]
    )
    contract = compiled["contracts"]["contracts/benefits/BenefitToken.sol"]["BenefitToken"]
    refs = contract["evm"]["deployedBytecode"]["immutableReferences"]
    assert sum(p["length"] for places in refs.values() for p in places) > 200
    on_chain = bytes(w3.eth.get_code(audit.entry("BenefitToken")["address"]))
    masked = sources.mask_immutables(on_chain, refs)
    assert masked.hex() == contract["evm"]["deployedBytecode"]["object"]
    covered = {
        p["start"] + i for places in refs.values() for p in places for i in range(p["length"])
    }
    flip = next(i for i in range(100, len(on_chain)) if i not in covered)
    tampered = bytearray(on_chain)
    tampered[flip] ^= 0xFF
    assert sources.mask_immutables(bytes(tampered), refs).hex() != masked.hex()
