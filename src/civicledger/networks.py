"""The networks a CivicLedger command can reach, read from the project's network-config.yaml.

The same file defines Brownie's networks, so `civic --network sepolia` and `brownie run …
--network sepolia` reach the same chain. RPC URLs come from environment variables named there
(`$SEPOLIA_RPC_URL`); none is stored in the repository.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from web3 import Web3

from civicledger import artifacts
from civicledger.chain import DEV_CHAIN_IDS, RetryingHTTPProvider
from civicledger.errors import ConfigError

DEFAULT_NETWORK = "development"
# A transaction link per chain id, for the explorers people open beside the CLI.
EXPLORERS = {
    1: "https://etherscan.io",
    11155111: "https://sepolia.etherscan.io",
    17000: "https://holesky.etherscan.io",
    10: "https://optimistic.etherscan.io",
    8453: "https://basescan.org",
    42161: "https://arbiscan.io",
    137: "https://polygonscan.com",
}
TIMEOUT_ENV = "CIVIC_RPC_TIMEOUT"  # seconds to wait for one answer (default 120)
_ENV_VAR = re.compile(r"^\$\{?([A-Z0-9_]+)\}?$")


@dataclass(frozen=True)
class Network:
    """One entry of network-config.yaml, with its environment variables still unresolved."""

    id: str
    name: str
    host: str
    chain_id: str | int | None
    dev: bool
    port: int | None = None

    def url(self) -> str:
        """The RPC URL, from the environment variable the config names."""
        host = _resolve(self.host, f"the RPC URL of network '{self.id}'")
        if self.port and not re.search(r":\d+$", host):
            host = f"{host}:{self.port}"
        return host

    def expected_chain_id(self) -> int | None:
        """The chain id the node must answer with; None for an ad-hoc URL."""
        if self.chain_id is None:
            return None
        value = _resolve(str(self.chain_id), f"the chain id of network '{self.id}'")
        try:
            return int(value)
        except ValueError:
            raise ConfigError(
                f"the chain id of network '{self.id}' must be a whole number, not {value!r}"
            ) from None


def _resolve(value: str, what: str) -> str:
    match = _ENV_VAR.match(value.strip())
    if not match:
        return value
    name = match.group(1)
    resolved = os.environ.get(name, "").strip()
    if not resolved:
        raise ConfigError(f"{what} comes from ${name}, which is not set: export {name}=…")
    return resolved


@cache
def _config() -> dict[str, Any]:
    path = artifacts.project_root() / "network-config.yaml"
    return yaml.safe_load(path.read_text()) or {}


def known() -> dict[str, Network]:
    """Every network of network-config.yaml by id, in the file's order."""
    config = _config()
    found: dict[str, Network] = {}
    for entry in config.get("development", []):
        settings = entry.get("cmd_settings", {})
        found[entry["id"]] = Network(
            id=entry["id"],
            name=entry["name"],
            host=entry["host"],
            chain_id=settings.get("chain_id"),
            dev=True,
            port=settings.get("port"),
        )
    for group in config.get("live", []):
        for entry in group.get("networks", []):
            found[entry["id"]] = Network(
                id=entry["id"],
                name=entry["name"],
                host=entry["host"],
                chain_id=entry.get("chainid"),
                dev=False,
            )
    return found


def get(network: str) -> Network:
    """The network named `network`, or an ad-hoc one for an http(s) URL."""
    if re.match(r"^https?://", network):
        return Network(id=network, name=network, host=network, chain_id=None, dev=False)
    networks = known()
    if network not in networks:
        raise ConfigError(
            f"unknown network '{network}': choose one of {', '.join(networks)} (or an http URL)"
        )
    return networks[network]


def connect(network: str | Network | None = None, *, timeout: float = 120) -> Web3:
    """A Web3 connected to `network` (default: $CIVIC_NETWORK, else development), after checking
    that the node answers with the network's chain id."""
    if network is None:
        network = os.environ.get("CIVIC_NETWORK") or DEFAULT_NETWORK
    net = get(network) if isinstance(network, str) else network
    url = net.url()
    timeout = float(os.environ.get(TIMEOUT_ENV) or timeout)
    provider = RetryingHTTPProvider(url, request_kwargs={"timeout": timeout})
    w3 = Web3(provider)
    patience, provider.retry_seconds = provider.retry_seconds, 0  # no node at all: say so now
    try:
        chain_id = w3.eth.chain_id
        provider.retry_seconds = patience
    except Exception:  # noqa: BLE001 - any failure to reach the node is the same user problem
        hint = (
            "start one with `civic node`"
            if net.dev
            else "check the URL and that the node is running"
        )
        raise ConfigError(
            f"no Ethereum node answers at {url} (network '{net.id}'): {hint}"
        ) from None
    expected = net.expected_chain_id()
    if expected is not None and chain_id != expected:
        raise ConfigError(
            f"the node at {url} is chain {chain_id}, but network '{net.id}' is chain {expected}: "
            "wrong URL or wrong --network"
        )
    return w3


def is_dev_chain(w3: Web3) -> bool:
    return w3.eth.chain_id in DEV_CHAIN_IDS


def tx_link(chain_id: int, tx_hash: str) -> str | None:
    """The explorer page of a transaction on a known public chain."""
    base = EXPLORERS.get(chain_id)
    return f"{base}/tx/{tx_hash}" if base else None
