"""Deploying the CivicLedger suite, idempotently, with a manifest per chain id."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from civicledger import chain, land
from civicledger.errors import ConfigError, LiveChainRefused
from civicledger.manifest import Manifest, deploy_once

# Merchants may still redeem what citizens paid them for this long after a program expires.
DEFAULT_REDEMPTION_GRACE_PERIOD = 30 * 24 * 3600


@dataclass
class Suite:
    """The deployed contracts of one chain, ready to call."""

    w3: Web3
    manifest: Manifest
    stablecoin: Contract
    benefits: Contract
    registry: Contract


def deploy_dev_stablecoin(
    w3: Web3, account: LocalAccount, manifest: Manifest | None = None
) -> Contract:
    """Deploy the development stand-in stablecoin; refused on any chain that is not a dev chain."""
    chain_id = w3.eth.chain_id
    if chain_id not in chain.DEV_CHAIN_IDS:
        raise LiveChainRefused("DevStablecoin", chain_id)
    manifest = manifest or Manifest.load(chain_id)
    return deploy_once(w3, account, manifest, "DevStablecoin", account.address)


def deploy_suite(
    w3: Web3,
    account: LocalAccount,
    *,
    stablecoin: str | None = None,
    redemption_grace_period: int = DEFAULT_REDEMPTION_GRACE_PERIOD,
    deployments: Path | None = None,
) -> Suite:
    """Deploy (or pick up from the manifest) every CivicLedger contract on `w3`'s chain.

    On a dev chain with no `stablecoin` address, the DevStablecoin stand-in is deployed; on any
    other chain a real settlement token address is required.
    """
    chain_id = w3.eth.chain_id
    manifest = Manifest.load(chain_id, deployments)
    if stablecoin is None:
        if chain_id not in chain.DEV_CHAIN_IDS:
            raise ConfigError(
                f"chain {chain_id} is not a dev chain: pass the settlement stablecoin's address"
            )
        token = deploy_dev_stablecoin(w3, account, manifest)
    else:
        if not w3.eth.get_code(Web3.to_checksum_address(stablecoin)):
            raise ConfigError(f"no contract at stablecoin address {stablecoin} on chain {chain_id}")
        token = chain.at(w3, "IERC20Metadata", stablecoin)
    manifest.settings["stablecoin"] = token.address
    manifest.save()
    benefits = deploy_once(
        w3,
        account,
        manifest,
        "BenefitToken",
        account.address,
        token.address,
        redemption_grace_period,
    )
    registry = land.deploy_registry(w3, account, manifest)
    return Suite(w3=w3, manifest=manifest, stablecoin=token, benefits=benefits, registry=registry)
