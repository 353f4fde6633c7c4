"""The suite runs on the pinned toolchain: Ganache at shanghai, solc as brownie-config pins it."""

import json
from pathlib import Path

import yaml
from brownie import web3

from tests.conftest import on_anvil

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "brownie-config.yaml").read_text())
PINNED = CONFIG["compiler"]["solc"]["version"]


def test_suite_runs_on_the_pinned_engine_it_was_asked_for():
    """Ganache 7.9.2 by default; Anvil (npm's @foundry-rs/anvil, the version package.json pins)
    with `make test EVM=anvil`."""
    if on_anvil():
        pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]
        version = pinned["@foundry-rs/anvil"].lstrip("^~=")
        assert web3.client_version.startswith(f"anvil/v{version}")
        assert web3.eth.chain_id == 31337
    else:
        assert web3.client_version.startswith("Ganache/v7.9.2")
        assert web3.eth.chain_id == 1337


def test_bytecode_was_built_by_the_pinned_compiler_for_shanghai():
    artifact = json.loads((ROOT / "build/contracts/DevStablecoin.json").read_text())
    assert artifact["compiler"]["version"].startswith(PINNED + "+commit.")
    assert artifact["compiler"]["evm_version"] == "shanghai"
    assert artifact["compiler"]["optimizer"] == CONFIG["compiler"]["solc"]["optimizer"]


def test_every_contract_pragma_matches_the_pinned_compiler():
    for source in [*ROOT.glob("contracts/**/*.sol"), *ROOT.glob("interfaces/*.sol")]:
        assert f"pragma solidity {PINNED};" in source.read_text(), source


def test_openzeppelin_is_pinned_to_5_4_0():
    package = json.loads((ROOT / "node_modules/@openzeppelin/contracts/package.json").read_text())
    assert package["version"] == "5.4.0"
