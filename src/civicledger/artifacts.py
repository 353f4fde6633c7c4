"""Compiled contracts, read from the project's build/ folder (written by `brownie compile`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_utils import keccak

from civicledger.errors import ConfigError

_MARKER = "brownie-config.yaml"


def project_root() -> Path:
    """The CivicLedger checkout: $CIVICLEDGER_ROOT, else the nearest parent of the working
    directory holding brownie-config.yaml, else the checkout this package was installed from."""
    env = os.environ.get("CIVICLEDGER_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / _MARKER).exists() and (folder / "contracts").is_dir():
            return folder
    source_checkout = Path(__file__).resolve().parents[2]
    if (source_checkout / _MARKER).exists():
        return source_checkout
    raise ConfigError(
        "cannot find the CivicLedger project: run from its folder or set CIVICLEDGER_ROOT"
    )


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    compiler: dict[str, Any]
    source_path: str


@cache
def load(name: str, root: Path | None = None) -> Artifact:
    """The compiled contract `name` (e.g. "DevStablecoin")."""
    path = (root or project_root()) / "build" / "contracts" / f"{name}.json"
    if not path.exists():
        raise ConfigError(f"no compiled contract {name} in {path.parent}: run `make compile` first")
    data = json.loads(path.read_text())
    return Artifact(
        name=name,
        abi=data["abi"],
        bytecode=data["bytecode"],
        deployed_bytecode=data["deployedBytecode"],
        compiler=data.get("compiler", {}),
        source_path=data.get("sourcePath", ""),
    )


def _canonical_type(param: dict[str, Any]) -> str:
    kind = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple'):]}"
    return kind


def error_selector(abi_item: dict[str, Any]) -> bytes:
    types = ",".join(_canonical_type(p) for p in abi_item["inputs"])
    return keccak(text=f"{abi_item['name']}({types})")[:4]


@cache
def error_index(root: Path | None = None) -> dict[bytes, dict[str, Any]]:
    """Every custom error declared by any compiled contract or interface, by 4-byte selector."""
    base = (root or project_root()) / "build"
    index: dict[bytes, dict[str, Any]] = {}
    for folder in ("contracts", "interfaces"):
        for path in sorted((base / folder).glob("*.json")):
            for item in json.loads(path.read_text()).get("abi", []):
                if item.get("type") == "error":
                    index.setdefault(error_selector(item), item)
    return index
