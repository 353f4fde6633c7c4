"""What every `civic` command shares: --network, --account, --json, -y and --dry-run, the
session they open, and how transactions and results are shown.

Each command is a few lines: parse, call the package, show. A `CivicError` from the package
becomes one line on stderr and exit status 2 (see `civicledger.cli.main`).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import click
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from civicledger import accounts, chain, networks
from civicledger.chain import Receipt
from civicledger.errors import CivicError, ConfigError
from civicledger.logs import DEFAULT_LOG_CHUNK
from civicledger.manifest import Manifest


class UserError(click.ClickException):
    """A user's mistake: one line saying what is wrong and what to do, exit status 2."""

    exit_code = 2


@dataclass
class Session:
    """The chain, signer and deployment one command works with, opened when first needed."""

    network: str
    account: str | None
    as_json: bool = False
    dev_index: int = 0
    transactions: list[dict[str, Any]] = field(default_factory=list)
    _contracts: dict[str, Contract] = field(default_factory=dict, repr=False)

    @cached_property
    def w3(self) -> Web3:
        return networks.connect(self.network)

    @cached_property
    def chain_id(self) -> int:
        return self.w3.eth.chain_id

    @cached_property
    def signer(self) -> LocalAccount:
        return accounts.load_signer(
            self.chain_id,
            account=self.account,
            dev_index=self.dev_index,
            prompt=_password_prompt,
        )

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest.load(self.chain_id)

    def contract(self, name: str) -> Contract:
        """The deployed contract `name` from this chain's manifest (its code checked once)."""
        if name in self._contracts:
            return self._contracts[name]
        address = self.manifest.address(name)
        if address is None or not self.w3.eth.get_code(Web3.to_checksum_address(address)):
            raise ConfigError(
                f"no {name} deployed on chain {self.chain_id} ({self.manifest.path} "
                f"{'has none' if address is None else 'names ' + address + ', which holds no code'}): "
                f"run `civic deploy --network {self.network}` first"
            )
        self._contracts[name] = chain.at(self.w3, name, address)
        return self._contracts[name]

    @property
    def benefits(self) -> Contract:
        return self.contract("BenefitToken")

    @property
    def registry(self) -> Contract:
        return self.contract("LandRegistry")

    @property
    def stablecoin(self) -> Contract:
        address = self.manifest.settings.get("stablecoin")
        if not address:
            raise ConfigError(
                f"no stablecoin recorded for chain {self.chain_id}: run `civic deploy` first"
            )
        return chain.at(self.w3, "DevStablecoin", address)

    # ---------------------------------------------------------------- output

    def tx(self, label: str, receipt: Receipt) -> None:
        """Show a mined transaction: what it did, its hash, gas used and explorer link."""
        link = networks.tx_link(self.chain_id, receipt.tx_hash)
        self.transactions.append(
            {
                "action": label,
                "tx": receipt.tx_hash,
                "block": receipt.block_number,
                "gasUsed": receipt.gas_used,
                **({"explorer": link} if link else {}),
            }
        )
        if not self.as_json:
            click.echo(
                f"{label}: tx {receipt.tx_hash} (block {receipt.block_number}, "
                f"gas {receipt.gas_used:,})" + (f"\n  {link}" if link else "")
            )

    def say(self, text: str = "") -> None:
        """A line for people; silent under --json."""
        if not self.as_json:
            click.echo(text)

    def done(self, result: dict[str, Any] | None = None) -> None:
        """End the command: under --json, print the result and its transactions as one object."""
        if self.as_json:
            out = dict(result or {})
            if self.transactions:
                out["transactions"] = self.transactions
            click.echo(json.dumps(out, indent=2, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def _password_prompt(text: str) -> str:
    if not sys.stdin.isatty():
        raise ConfigError(
            f"{text}: no terminal to ask on; set {accounts.PASSWORD_ENV} for automation"
        )
    return click.prompt(text, hide_input=True, err=True)


def chain_command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command --network, --account and --json, and hand it a `session`."""

    @click.option(
        "--network",
        "-n",
        default=networks.DEFAULT_NETWORK,
        show_default=True,
        envvar="CIVIC_NETWORK",
        help="A network of network-config.yaml (development, sepolia, mainnet, city-chain) "
        "or an http(s) RPC URL.",
    )
    @click.option(
        "--account",
        "-a",
        default=None,
        envvar="CIVIC_ACCOUNT",
        help="Signing account: a Brownie keystore alias (~/.brownie/accounts), a keystore "
        "file, or devN on a dev chain. Default: $CIVIC_KEYSTORE, $CIVIC_PRIVATE_KEY, or dev0 "
        "on a dev chain.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON, for scripts.")
    @functools.wraps(func)
    def wrapper(*args: Any, network: str, account: str | None, as_json: bool, **kwargs: Any):
        session = Session(network=network, account=account, as_json=as_json)
        return func(*args, session=session, **kwargs)

    return wrapper


yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
log_chunk_option = click.option(
    "--log-chunk",
    type=click.IntRange(min=1),
    default=DEFAULT_LOG_CHUNK,
    show_default=True,
    help="Blocks per eth_getLogs request (providers cap the range; lower it if refused).",
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would be sent, and its cost; send nothing."
)


def confirm(session: Session, question: str, yes: bool) -> None:
    """Ask before spending real money; -y skips, and no terminal means no."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UserError(f"{question} Pass --yes to confirm without a terminal.")
    if not click.confirm(question, default=False, err=True):
        raise UserError("cancelled: nothing was sent")


class Refused(click.BadParameter):
    """A bad value whose message already names its parameter and says what is expected."""


class AddressType(click.ParamType):
    """An Ethereum address argument, checked and checksummed at parse time."""

    name = "address"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        try:
            return chain.checksum(value, param.human_readable_name if param else "address")
        except CivicError as exc:
            raise Refused(str(exc), ctx, param) from None


ADDRESS = AddressType()
