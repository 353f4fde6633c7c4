"""Deploying the CivicLedger suite, idempotently, with a manifest per chain id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from civicledger import artifacts, chain, land
from civicledger.errors import ConfigError, LiveChainRefused
from civicledger.logs import ERC20_TRANSFER_TOPIC
from civicledger.manifest import Manifest, deploy_once, is_deployed

OnReceipt = Callable[[str, chain.Receipt], None]

# Merchants may still redeem what citizens paid them for this long after a program expires.
DEFAULT_REDEMPTION_GRACE_PERIOD = 30 * 24 * 3600

# BenefitToken packs a program's face value into 48 bits (one storage slot per payment): at most
# 2**48 - 1 base units of the stablecoin. With 8 decimals that is 2.8 million whole tokens; with
# 18 (DAI) it is 0.00028 of a token, so no real program could be created. Refused at deploy.
FACE_VALUE_BITS = 48
MAX_STABLECOIN_DECIMALS = 8


@dataclass
class Suite:
    """The deployed contracts of one chain, ready to call."""

    w3: Web3
    manifest: Manifest
    stablecoin: Contract
    benefits: Contract
    registry: Contract


def deploy_dev_stablecoin(
    w3: Web3,
    account: LocalAccount,
    manifest: Manifest | None = None,
    on_receipt: OnReceipt | None = None,
) -> Contract:
    """Deploy the development stand-in stablecoin; refused on any chain that is not a dev chain."""
    chain_id = w3.eth.chain_id
    if chain_id not in chain.DEV_CHAIN_IDS:
        raise LiveChainRefused("DevStablecoin", chain_id)
    manifest = manifest or Manifest.load(chain_id)
    return deploy_once(
        w3, account, manifest, "DevStablecoin", account.address, on_receipt=on_receipt
    )


@dataclass
class DeployPlan:
    """What `deploy_suite` would do on this chain, and roughly what it costs."""

    chain_id: int
    dev_chain: bool
    to_deploy: list[str]
    already: list[str]
    gas: int
    gas_price: int

    def describe(self) -> str:
        eth = self.gas * self.gas_price / 1e18
        done = f"; already deployed: {', '.join(self.already)}" if self.already else ""
        return (
            f"chain {self.chain_id}: deploy {', '.join(self.to_deploy) or 'nothing'}{done}\n"
            f"estimated {self.gas:,} gas at {self.gas_price / 1e9:,.2f} gwei = {eth:,.5f} ETH"
        )


# Creation gas of each contract, measured on Ganache (used for the cost shown before deploying).
_CREATION_GAS = {"DevStablecoin": 1_300_000, "BenefitToken": 5_200_000, "LandRegistry": 4_600_000}


def _existing_contract(w3: Web3, address: str) -> str:
    """The stablecoin's address, checksummed, once the chain shows code there."""
    address = chain.checksum(address, "stablecoin address")
    if not w3.eth.get_code(address):
        raise ConfigError(f"no contract at stablecoin address {address} on chain {w3.eth.chain_id}")
    return address


def check_settlement_token(token: Contract) -> int:
    """The stablecoin's decimals, once they leave room for real face values and a transfer of it
    is seen to deliver exactly what it takes; else ConfigError.

    A rebasing token cannot be told apart by one simulated transfer: it is refused by the
    README's rule only (funding credits only what arrives, but a rebase would leave the escrow
    out of step with its accounts).
    """
    decimals = check_settlement_decimals(token)
    check_transfer_fee(token)
    return decimals


def check_settlement_decimals(token: Contract) -> int:
    """The stablecoin's decimals, once they leave room for real face values; else ConfigError."""
    try:
        decimals = int(token.functions.decimals().call())
    except Exception as exc:  # a revert, no such function, or an answer that does not decode
        raise ConfigError(
            f"stablecoin {token.address} does not answer decimals(): not an ERC-20 stablecoin "
            f"CivicLedger can settle in ({type(exc).__name__})"
        ) from exc
    if decimals > MAX_STABLECOIN_DECIMALS:
        cap = (2**FACE_VALUE_BITS - 1) / 10**decimals
        raise ConfigError(
            f"stablecoin {token.address} has {decimals} decimals: a program's face value is "
            f"packed in {FACE_VALUE_BITS} bits, so it could not exceed {cap:.6g} of a token; "
            f"use a stablecoin with at most {MAX_STABLECOIN_DECIMALS} decimals (USDC, EURC: 6)"
        )
    return decimals


# Where the simulated probe transfer goes: an address nobody holds a key for.
FEE_PROBE_RECIPIENT = Web3.to_checksum_address(keccak(text="civicledger fee probe")[-20:])
# How far back `check_transfer_fee` looks for accounts holding the stablecoin, and how many.
FEE_PROBE_BLOCKS = 5_000
FEE_PROBE_HOLDERS = 10


def check_transfer_fee(token: Contract) -> None:
    """Refuse a stablecoin that delivers less than it takes (a fee on transfer), without
    spending anyone's money: one `eth_call` with a state override places the TransferFeeProbe's
    code at an account that holds the coin and has it send its balance to a fresh address.

    Tries the biggest recent holders in turn (a holder may be blocklisted); ConfigError if a
    transfer is short, if no holder is seen, or if the node cannot simulate it.
    """
    w3 = token.w3
    holders = _recent_holders(w3, token)
    if not holders:
        raise ConfigError(
            f"stablecoin {token.address}: no account holding it moved any in the last "
            f"{FEE_PROBE_BLOCKS:,} blocks, so CivicLedger cannot check that a transfer of it "
            "charges no fee; deploy once it is in circulation"
        )
    probe = artifacts.load("TransferFeeProbe")
    code = probe.deployed_bytecode
    code = code if code.startswith("0x") else "0x" + code
    contract = w3.eth.contract(abi=probe.abi)
    failures = []
    for holder, balance in holders:
        data = contract.encode_abi("probe", [token.address, FEE_PROBE_RECIPIENT, balance])
        try:
            answer = w3.eth.call({"to": holder, "data": data}, "latest", {holder: {"code": code}})
        except Exception as exc:  # noqa: BLE001 - a refusal by the token or by the node
            failures.append(f"{holder}: {type(exc).__name__}: {str(exc)[:120]}")
            continue
        spent, received = w3.codec.decode(["uint256", "uint256"], answer)
        if spent != balance or received != balance:
            raise ConfigError(
                f"stablecoin {token.address} charges a fee on transfer: sending {balance:,} of "
                f"its units from {holder} took {spent:,} and delivered {received:,}; "
                "CivicLedger pays merchants face value out of escrow, so use a stablecoin "
                "without transfer fees (USDC, EURC)"
            )
        return
    raise ConfigError(
        f"stablecoin {token.address}: no simulated transfer from its {len(holders)} biggest "
        "recent holders went through, so CivicLedger cannot check that it charges no fee "
        "(the node must support eth_call state overrides, as geth, Erigon, Nethermind, Besu, "
        f"Anvil and Ganache do); first refusal: {failures[0]}"
    )


def _recent_holders(w3: Web3, token: Contract) -> list[tuple[str, int]]:
    """Recipients of the token's recent transfers that hold some now, biggest first.

    The last 100 blocks first (a busy coin like USDC has thousands of transfers there, more
    than a wider query may return), then the last FEE_PROBE_BLOCKS for a quiet one.
    """
    head = w3.eth.block_number
    refusal = None
    for span in (100, FEE_PROBE_BLOCKS):
        query = {"address": token.address, "topics": [ERC20_TRANSFER_TOPIC]}
        try:
            logs = w3.eth.get_logs({**query, "fromBlock": max(0, head - span), "toBlock": head})
        except Exception as exc:  # noqa: BLE001 - a range or result size the provider refuses
            refusal = exc
            continue
        candidates: list[str] = []
        for log in reversed(logs):
            if len(log["topics"]) < 3:
                continue
            account = Web3.to_checksum_address(bytes(log["topics"][2])[-20:])
            if account not in candidates and int(account, 16) != 0:
                candidates.append(account)
            if len(candidates) == FEE_PROBE_HOLDERS:
                break
        held = [(a, int(token.functions.balanceOf(a).call())) for a in candidates]
        holders = sorted((h for h in held if h[1] > 0), key=lambda h: -h[1])
        if holders:
            return holders
    if refusal is not None:
        raise ConfigError(
            f"stablecoin {token.address}: the node refused to list its recent transfers "
            f"({type(refusal).__name__}: {str(refusal)[:120]}), so CivicLedger cannot find a "
            "holder to check that a transfer of it charges no fee"
        )
    return []


def deploy_plan(
    w3: Web3,
    account: LocalAccount,
    *,
    stablecoin: str | None = None,
    deployments: Path | None = None,
) -> DeployPlan:
    """What deploying the suite would send now; nothing is sent."""
    chain_id = w3.eth.chain_id
    dev = chain_id in chain.DEV_CHAIN_IDS
    if stablecoin is None and not dev:
        raise ConfigError(
            f"chain {chain_id} is not a dev chain: pass the settlement stablecoin's address"
        )
    if stablecoin is not None:
        check_settlement_token(chain.at(w3, "IERC20Metadata", _existing_contract(w3, stablecoin)))
    manifest = Manifest.load(chain_id, deployments)
    names = (["DevStablecoin"] if stablecoin is None else []) + ["BenefitToken", "LandRegistry"]
    todo = [n for n in names if not is_deployed(w3, manifest, n)]
    return DeployPlan(
        chain_id=chain_id,
        dev_chain=dev,
        to_deploy=todo,
        already=[n for n in names if n not in todo],
        gas=sum(_CREATION_GAS[n] for n in todo),
        gas_price=w3.eth.gas_price,
    )


def deploy_suite(
    w3: Web3,
    account: LocalAccount,
    *,
    stablecoin: str | None = None,
    redemption_grace_period: int = DEFAULT_REDEMPTION_GRACE_PERIOD,
    deployments: Path | None = None,
    on_receipt: OnReceipt | None = None,
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
        token = deploy_dev_stablecoin(w3, account, manifest, on_receipt)
    else:
        token = chain.at(w3, "IERC20Metadata", _existing_contract(w3, stablecoin))
        check_settlement_token(token)  # before anything is sent
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
        on_receipt=on_receipt,
    )
    registry = land.deploy_registry(w3, account, manifest, on_receipt=on_receipt)
    return Suite(w3=w3, manifest=manifest, stablecoin=token, benefits=benefits, registry=registry)
