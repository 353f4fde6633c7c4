"""Source verification: what a rebuild needs, the export auditors and explorers take, and the
check that the code on chain is the code of the sources.

Brownie compiles the whole project in one standard-JSON input and keeps neither the full import
closure of a contract, nor `viaIR` and the remappings, nor the compiler's metadata and
`immutableReferences`. This module records those at deployment (`build_record`, called by
`Manifest.record`), writes one self-contained standard-JSON input per contract (`export`), and
recompiles it to compare with the chain (`verify`): runtime code with immutables masked, and the
creation transaction's input against creation code plus the recorded constructor arguments.

Compiles go to the project's compiler (`.solcx/solc-v<version>`: a native solc, or the solc-js
bridge) and are cached under build/audit-cache/ by the hash of the exact input: a compile is a
pure function of its input and compiler, and BenefitToken takes about a minute with viaIR.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from eth_abi import encode as abi_encode
from eth_utils import keccak
from web3 import Web3

from civicledger import artifacts
from civicledger.errors import ConfigError

# What every export and verification asks of the compiler; output selection changes no byte of
# the code (solc documents it), so it is not part of the recorded settings.
OUTPUT_SELECTION = {
    "*": {
        "*": [
            "abi",
            "metadata",
            "evm.bytecode.object",
            "evm.deployedBytecode.object",
            "evm.deployedBytecode.immutableReferences",
        ]
    }
}

EXACT, PARTIAL, MISMATCH = "exact match", "match except metadata", "mismatch"

# The CBOR trailer solc appends (ipfs hash + compiler version): a2 64 'ipfs' 58 22 <34 bytes>
# 64 'solc' 43 <3 bytes> 00 33. Only the 34-byte multihash changes when a source's bytes do.
_CBOR = re.compile(r"a264697066735822([0-9a-f]{68})64736f6c6343[0-9a-f]{6}0033")
_IMPORT = re.compile(r"\bimport\b([^;]*);")
_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'")
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


# --------------------------------------------------------------------------------------------
# What a rebuild needs


def compiler_settings(root: Path | None = None) -> dict[str, Any]:
    """The standard-JSON `settings` Brownie compiled with, from brownie-config.yaml.

    Brownie passes `optimizer`, `evmVersion`, `viaIR` and the remappings as written in the config
    (plus one per package under ~/.brownie/packages, which this project never uses: OpenZeppelin
    comes from npm) and leaves `metadata` at solc's defaults (ipfs hash, CBOR appended, sources
    by hash), so no `metadata` key is written: the input stays exactly the one compiled.
    """
    root = root or artifacts.project_root()
    config = yaml.safe_load((root / "brownie-config.yaml").read_text())["compiler"]
    solc = config.get("solc", {})
    settings: dict[str, Any] = {
        "evmVersion": config.get("evm_version"),
        "optimizer": solc.get("optimizer", {"enabled": True, "runs": 200}),
        "remappings": list(solc.get("remappings") or []),
    }
    if solc.get("viaIR") is not None:
        settings["viaIR"] = solc["viaIR"]
    return settings


def _remap(path: str, remappings: list[str]) -> str:
    """solc's context-free remapping: the longest matching prefix wins."""
    best = ("", "")
    for remapping in remappings:
        prefix, _, target = remapping.partition("=")
        if path.startswith(prefix) and len(prefix) > len(best[0]):
            best = (prefix, target)
    return best[1] + path[len(best[0]) :] if best[0] else path


def _imports(text: str) -> list[str]:
    paths = []
    for statement in _IMPORT.findall(_COMMENTS.sub("", text)):
        quoted = _QUOTED.search(statement)
        if quoted:
            paths.append(quoted.group(1) or quoted.group(2))
    return paths


def import_closure(unit: str, remappings: list[str], read: Callable[[str], str]) -> list[str]:
    """Every source unit `unit` imports, directly or not, resolved the way solc does (relative
    imports from the importing unit's folder, others through the remappings), sorted."""
    seen: set[str] = set()
    todo = [unit]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for path in _imports(read(current)):
            if path.startswith(("./", "../")):
                path = posixpath.normpath(posixpath.join(posixpath.dirname(current), path))
            todo.append(_remap(path, remappings))
    return sorted(seen)


def _file_reader(root: Path) -> Callable[[str], str]:
    def read(unit: str) -> str:
        path = root / unit
        if not path.is_file():
            raise ConfigError(f"source {unit} not found under {root}")
        return path.read_text()

    return read


def source_hash(text: str) -> str:
    """keccak256 of a source's bytes (UTF-8), as solc's metadata and Sourcify write it."""
    return "0x" + keccak(text.encode()).hex()


def git_state(root: Path) -> dict[str, Any]:
    """The repository's commit and whether its tracked files differ from it."""
    try:
        commit = _git(root, "rev-parse", "HEAD")
        dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def build_record(
    name: str, args: list[Any], root: Path | None = None, art: artifacts.Artifact | None = None
) -> dict[str, Any]:
    """What `Manifest.record` keeps so that anyone can rebuild `name` exactly as deployed."""
    root = root or artifacts.project_root()
    art = art or artifacts.load(name)
    settings = compiler_settings(root)
    read = _file_reader(root)
    closure = import_closure(art.source_path, settings["remappings"], read)
    constructor = next((i for i in art.abi if i.get("type") == "constructor"), {"inputs": []})
    types = [artifacts._canonical_type(p) for p in constructor["inputs"]]
    return {
        "sourceUnit": art.source_path,
        "contractName": name,
        "compilerVersion": art.compiler.get("version"),
        "settings": settings,
        "sources": {unit: source_hash(read(unit)) for unit in closure},
        "constructorArgs": "0x" + abi_encode(types, list(args)).hex(),
        "repository": git_state(root),
    }


# --------------------------------------------------------------------------------------------
# Standard-JSON input and compiling it


def standard_input(entry: dict[str, Any], root: Path | None = None) -> dict[str, Any]:
    """The standard-JSON input of a manifest entry, with the sources as they are now on disk:
    its import closure (computed again, so an added import is seen) inline, and nothing else."""
    root = root or artifacts.project_root()
    read = _file_reader(root)
    settings = dict(entry["settings"])
    closure = import_closure(entry["sourceUnit"], settings["remappings"], read)
    settings["outputSelection"] = OUTPUT_SELECTION
    return {
        "language": "Solidity",
        "sources": {unit: {"content": read(unit)} for unit in closure},
        "settings": settings,
    }


def compiler_command(version: str, root: Path | None = None) -> list[str]:
    """How to run solc `version` (long form): the project's compiler folder (a native solc or
    the solc-js bridge, see tools/setup-solc.sh), else solc-js through the bridge directly."""
    root = root or artifacts.project_root()
    short = version.split("+")[0]
    folder = Path(os.environ.get("SOLCX_BINARY_PATH") or root / ".solcx")
    for candidate in (folder / f"solc-v{short}", root / ".solcx" / f"solc-v{short}"):
        if candidate.exists():
            command = [str(candidate)]
            break
    else:
        node = shutil.which("node")
        if not node:
            raise ConfigError(f"no solc {short} in {folder} and no node for solc-js")
        command = [node, str(root / "tools" / "solc-bridge.js")]
    found = _version_of(tuple(command))
    if not found.startswith(version):
        raise ConfigError(
            f"{command[0]} is solc {found}, but the deployment was compiled with {version}"
        )
    return command


@cache
def _version_of(command: tuple[str, ...]) -> str:
    out = subprocess.run([*command, "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"Version: (\S+)", out.stdout)
    if not match:
        raise ConfigError(f"{command[0]} --version did not say its version")
    return match.group(1)


CACHE_ENV = "CIVIC_AUDIT_CACHE"


def cache_folder(root: Path | None = None) -> Path:
    """Where compiler outputs are kept by input hash: $CIVIC_AUDIT_CACHE, else build/audit-cache."""
    override = os.environ.get(CACHE_ENV)
    return (
        Path(override) if override else (root or artifacts.project_root()) / "build" / "audit-cache"
    )


def compile_input(
    input_json: dict[str, Any], version: str, root: Path | None = None, use_cache: bool = True
) -> dict[str, Any]:
    """solc's standard-JSON output for `input_json`; compile errors raise ConfigError."""
    root = root or artifacts.project_root()
    text = json.dumps(input_json, sort_keys=True)
    key = hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()
    cached = cache_folder(root) / f"{key}.json"
    if use_cache and cached.exists():
        return json.loads(cached.read_text())
    result = subprocess.run(
        [*compiler_command(version, root), "--standard-json"],
        input=text,
        capture_output=True,
        text=True,
        cwd=root,
    )
    if result.returncode != 0:
        raise ConfigError(f"solc failed: {result.stderr.strip() or result.stdout[:300]}")
    output = json.loads(result.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        first = errors[0].get("formattedMessage") or errors[0].get("message")
        raise ConfigError(f"the sources do not compile: {first.strip().splitlines()[0]}")
    if use_cache:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(output))
        partial.replace(cached)
    return output


# --------------------------------------------------------------------------------------------
# Export


def _require_record(name: str, entry: dict[str, Any]) -> None:
    missing = [
        k for k in ("sourceUnit", "settings", "sources", "constructorArgs") if k not in entry
    ]
    if missing:
        raise ConfigError(
            f"the manifest's {name} entry lacks {', '.join(missing)} (deployed before source "
            "records were kept): redeploy, or add them by hand"
        )


def export(
    manifest: Any,
    out: Path,
    root: Path | None = None,
    on_contract: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write, for each contract of `manifest`, what Etherscan, Blockscout and Sourcify take
    (see the module doc of cli/audit_source.py for the layout); return export.json's content."""
    root = root or artifacts.project_root()
    summary: dict[str, Any] = {"chainId": manifest.chain_id, "contracts": {}}
    if not manifest.contracts:
        raise ConfigError(f"{manifest.path} names no contract: nothing to export")
    for name, entry in sorted(manifest.contracts.items()):
        _require_record(name, entry)
    for name, entry in sorted(manifest.contracts.items()):
        if on_contract:
            on_contract(name)
        input_json = standard_input(entry, root)
        version = entry["compilerVersion"]
        compiled = compile_input(input_json, version, root)
        contract = compiled["contracts"][entry["sourceUnit"]][entry["contractName"]]
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "standard-input.json").write_text(json.dumps(input_json, indent=2) + "\n")
        (folder / "constructor-args.txt").write_text(entry["constructorArgs"] + "\n")
        (folder / "compiler-version.txt").write_text(f"v{version}\n")
        # Verbatim: the metadata's own bytes are what its hash in the bytecode covers.
        (folder / "metadata.json").write_text(contract["metadata"])
        for unit, source in json.loads(contract["metadata"])["sources"].items():
            target = folder / "sources" / unit
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(input_json["sources"][unit]["content"])
            assert source_hash(input_json["sources"][unit]["content"]) == source["keccak256"]
        summary["contracts"][name] = {
            "address": entry["address"],
            "sourceUnit": entry["sourceUnit"],
            "contractName": entry["contractName"],
            "compilerVersion": f"v{version}",
            "constructorArgs": entry["constructorArgs"],
            "creationTx": entry["transactionHash"],
        }
    out.mkdir(parents=True, exist_ok=True)
    (out / "export.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


# --------------------------------------------------------------------------------------------
# Verify


@dataclass
class Verdict:
    """How one deployed contract compares with its rebuilt sources."""

    name: str
    address: str
    status: str
    runtime: str  # exact match / match except metadata / mismatch
    creation: str  # the same, or "not checked" for a contract created by another contract
    changed_sources: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "status": self.status,
            "runtime": self.runtime,
            "creation": self.creation,
            "changedSources": self.changed_sources,
            "reasons": self.reasons,
        }


def mask_immutables(code: bytes, references: dict[str, list[dict[str, int]]]) -> bytes:
    """`code` with every immutable's bytes zeroed, as the compiler leaves them."""
    masked = bytearray(code)
    for places in references.values():
        for place in places:
            start, length = place["start"], place["length"]
            masked[start : start + length] = bytes(length)
    return bytes(masked)


def strip_metadata(code_hex: str) -> str:
    """Hex code with the metadata hash of every CBOR trailer zeroed (a subcontract has its own)."""
    return _CBOR.sub(lambda m: m.group(0).replace(m.group(1), "0" * 68), code_hex)


def _compare(chain_hex: str, built_hex: str) -> str:
    if chain_hex == built_hex:
        return EXACT
    if strip_metadata(chain_hex) == strip_metadata(built_hex):
        return PARTIAL
    return MISMATCH


def changed_sources(recorded: dict[str, str], sources: dict[str, dict[str, str]]) -> list[str]:
    """What differs between the recorded keccak256 of each source and the sources compiled."""
    changes = []
    for unit in sorted(set(recorded) | set(sources)):
        if unit not in sources:
            changes.append(f"{unit} (no longer imported)")
        elif unit not in recorded:
            changes.append(f"{unit} (newly imported)")
        elif source_hash(sources[unit]["content"]) != recorded[unit]:
            changes.append(unit)
    return changes


def verify_contract(
    w3: Web3,
    name: str,
    entry: dict[str, Any],
    input_json: dict[str, Any],
    root: Path | None = None,
    use_cache: bool = True,
) -> Verdict:
    """Recompile `input_json` and compare with what the chain holds for `entry`."""
    compiled = compile_input(input_json, entry["compilerVersion"], root, use_cache)
    contract = compiled["contracts"][entry["sourceUnit"]][entry["contractName"]]
    address = Web3.to_checksum_address(entry["address"])
    reasons: list[str] = []

    on_chain = bytes(w3.eth.get_code(address))
    references = contract["evm"]["deployedBytecode"].get("immutableReferences", {})
    built_runtime = contract["evm"]["deployedBytecode"]["object"]
    if len(on_chain) * 2 != len(built_runtime):
        runtime = MISMATCH
        reasons.append(
            f"runtime code is {len(on_chain)} bytes on chain, {len(built_runtime) // 2} built"
        )
    else:
        runtime = _compare(mask_immutables(on_chain, references).hex(), built_runtime)
        if runtime == MISMATCH:
            reasons.append("runtime code differs")

    tx = w3.eth.get_transaction(entry["transactionHash"])
    if tx["to"] is not None:
        creation = "not checked"
        reasons.append("created by another contract: creation code not checked")
    else:
        sent = bytes(tx["input"]).hex()
        built = contract["evm"]["bytecode"]["object"]
        args = entry["constructorArgs"].removeprefix("0x")
        if sent.startswith(built) or strip_metadata(sent).startswith(strip_metadata(built)):
            creation = _compare(sent[: len(built)], built)
            if sent[len(built) :] != args:
                creation = MISMATCH
                reasons.append("constructor arguments sent differ from the recorded ones")
        else:
            creation = MISMATCH
            reasons.append("creation code differs (the constructor's code or its constants)")

    verdicts = {runtime, creation} - {"not checked"}
    status = MISMATCH if MISMATCH in verdicts else PARTIAL if PARTIAL in verdicts else EXACT
    changes = changed_sources(entry.get("sources", {}), input_json["sources"])
    if status == PARTIAL and not changes:
        reasons.append("metadata differs though every source hash matches: compare the settings")
    return Verdict(name, address, status, runtime, creation, changes, reasons)


def load_export(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name / "standard-input.json"
    if not path.exists():
        raise ConfigError(f"no {path}: run `civic audit export` first, or name another --export")
    return json.loads(path.read_text())


def verify(
    w3: Web3,
    manifest: Any,
    root: Path | None = None,
    export_folder: Path | None = None,
    on_contract: Callable[[str], None] | None = None,
    use_cache: bool = True,
) -> list[Verdict]:
    """Rebuild every contract of `manifest` (from the sources on disk, or from an export) and
    compare it with the chain."""
    root = root or artifacts.project_root()
    verdicts = []
    if not manifest.contracts:
        raise ConfigError(f"{manifest.path} names no contract: nothing to verify")
    for name, entry in sorted(manifest.contracts.items()):
        _require_record(name, entry)
    for name, entry in sorted(manifest.contracts.items()):
        if on_contract:
            on_contract(name)
        if export_folder is not None:
            input_json = load_export(export_folder, name)
        else:
            input_json = standard_input(entry, root)
        verdicts.append(verify_contract(w3, name, entry, input_json, root, use_cache))
    return verdicts
