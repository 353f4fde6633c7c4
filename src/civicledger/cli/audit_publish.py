"""`civic audit publish`: put the exported sources on Etherscan, Blockscout or Sourcify, so
anyone reading the explorer sees the verified source beside the deployed code."""

from __future__ import annotations

from pathlib import Path

import click

from civicledger import explorers, networks
from civicledger.cli.options import Session, chain_command
from civicledger.errors import ConfigError


@click.command()
@chain_command
@click.option(
    "--explorer",
    "explorer_name",
    type=click.Choice(explorers.EXPLORERS),
    required=True,
    help="Where to publish: Etherscan (API v2, key from $ETHERSCAN_API_KEY), Blockscout or "
    "Sourcify.",
)
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder `civic audit export` wrote (default: ./audit-export-<chainid>).",
)
@click.option(
    "--api-url",
    default=None,
    help="The explorer's API (needed for a chain it has no known URL for): an Etherscan-"
    "compatible /api URL, a Blockscout instance's base URL, or a Sourcify server.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds between two questions about a pending verification.",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds to wait for each contract's verdict.",
)
def publish(
    session: Session,
    explorer_name: str,
    export_dir: Path | None,
    api_url: str | None,
    poll_interval: float,
    max_wait: float,
) -> None:
    """Submit each contract of the audit export to an explorer's verification API, wait for
    its verdict and report it: verified, already verified, or failed with the reason.

    Exits 1 unless every contract ends verified.
    """
    chain_id = _chain_id(session)
    explorer = explorers.explorer_for(
        explorer_name,
        chain_id,
        api_url=api_url,
        polling=explorers.Polling(interval=poll_interval, max_wait=max_wait),
    )
    export = explorers.Export.load(export_dir or explorers.default_export_dir(chain_id))
    if export.chain_id != chain_id:
        raise ConfigError(
            f"{export.path} is an export of chain {export.chain_id}, but network "
            f"'{session.network}' is chain {chain_id}"
        )
    session.say(f"publishing {len(export.contracts)} contracts of {export.path} on {explorer_name}")
    outcomes = explorers.publish(export, explorer, on_outcome=lambda o: session.say(_line(o)))
    failed = [o.contract for o in outcomes if not o.ok]
    session.done(
        {
            "chainId": chain_id,
            "explorer": explorer_name,
            "ok": not failed,
            "contracts": {o.contract: o.as_dict() for o in outcomes},
        }
    )
    if failed:
        session.say(f"not verified on {explorer_name}: {', '.join(failed)}")
        click.get_current_context().exit(1)


def _chain_id(session: Session) -> int:
    """The network's chain id from network-config.yaml when it names one, so publishing needs
    no RPC node; otherwise the node's answer."""
    net = networks.get(session.network)
    return net.expected_chain_id() or session.chain_id


def _line(outcome: explorers.Outcome) -> str:
    text = f"{outcome.contract:16} {outcome.address}  {outcome.status}"
    if outcome.detail:
        text += (
            f": {outcome.detail}" if outcome.status == explorers.FAILED else f" ({outcome.detail})"
        )
    if outcome.rate_limited:
        text += f"  [rate-limited {outcome.rate_limited}x, retried]"
    if outcome.link:
        text += f"\n  {outcome.link}"
    return text


COMMANDS = [publish]
