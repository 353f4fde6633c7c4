"""Deployments are data: one JSON manifest per chain id under deployments/.

A manifest records, for each contract, its address, deployment transaction, block, constructor
arguments and compiler settings, so that an auditor can rebuild the bytecode and compare, and a
re-run of a deployment can skip what is already on chain.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from civicledger import artifacts, chain, sources

DEPLOYMENTS_ENV = "CIVIC_DEPLOYMENTS"


def deployments_folder() -> Path:
    """Where manifests live: $CIVIC_DEPLOYMENTS, else the project's deployments/ folder."""
    override = os.environ.get(DEPLOYMENTS_ENV)
    return Path(override) if override else artifacts.project_root() / "deployments"


@dataclass
class Manifest:
    chain_id: int
    path: Path
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, chain_id: int, folder: Path | None = None) -> Manifest:
        folder = folder or deployments_folder()
        path = folder / f"{chain_id}.json"
        if not path.exists():
            return cls(chain_id=chain_id, path=path)
        data = json.loads(path.read_text())
        return cls(
            chain_id=chain_id,
            path=path,
            contracts=data.get("contracts", {}),
            settings=data.get("settings", {}),
        )

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"chainId": self.chain_id, "settings": self.settings, "contracts": self.contracts}
        self.path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")

    def address(self, name: str) -> str | None:
        entry = self.contracts.get(name)
        return entry["address"] if entry else None

    def record(self, name: str, address: str, tx_hash: str, block: int, args: list[Any]) -> None:
        """Keep what re-running needs and what an auditor's rebuild needs: the source unit and
        contract name, the long compiler version, the standard-JSON settings as compiled
        (viaIR, remappings, ...), the keccak256 of every source of the import closure, the
        ABI-encoded constructor arguments and the repository's commit (see sources.py)."""
        art = artifacts.load(name)
        self.contracts[name] = {
            "address": address,
            "transactionHash": tx_hash,
            "block": block,
            "constructorArguments": [_jsonable(a) for a in args],
            "sourcePath": art.source_path,
            "compiler": art.compiler,
            **sources.build_record(name, args, art=art),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def is_deployed(w3: Web3, manifest: Manifest, name: str) -> bool:
    """The manifest names `name` and the chain holds code at that address."""
    known = manifest.address(name)
    return bool(known and w3.eth.get_code(Web3.to_checksum_address(known)))


def deploy_once(
    w3: Web3,
    account: LocalAccount,
    manifest: Manifest,
    name: str,
    *args: Any,
    on_receipt: Callable[[str, chain.Receipt], None] | None = None,
) -> Contract:
    """Deploy `name` unless the manifest already holds it and its code is on chain."""
    if is_deployed(w3, manifest, name):
        return chain.at(w3, name, manifest.address(name))
    contract, receipt = chain.deploy(w3, account, name, *args)
    if on_receipt:
        on_receipt(f"deployed {name}", receipt)
    manifest.record(name, contract.address, receipt.tx_hash, receipt.block_number, list(args))
    manifest.save()
    return contract
