"""`civic report`: the transparency report for the council and the public, one HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from civicledger import report as transparency
from civicledger.cli.options import Session, chain_command, log_chunk_option
from civicledger.errors import ConfigError


@click.command()
@chain_command
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for index.html (default: reports/chain-<chain id>).",
)
@click.option(
    "--min-group",
    type=click.IntRange(min=2),
    default=transparency.DEFAULT_MIN_GROUP,
    show_default=True,
    help='Anonymity threshold: a group of fewer payments is merged into "other".',
)
@log_chunk_option
def report(session: Session, out_dir: Path | None, min_group: int, log_chunk: int) -> None:
    """Write a static, self-contained HTML transparency report (opens from disk): programs,
    escrow backing, spending over time and by category and district, land registry activity.

    No citizen's address appears; groups of fewer than --min-group payments are merged."""
    try:
        registry = session.registry
    except ConfigError:
        registry = None  # a city may run benefits without the registry: the report says so
    path = transparency.write(
        session.w3,
        session.benefits,
        registry,
        transparency.deployment_blocks(session.manifest.contracts),
        out_dir or Path("reports") / f"chain-{session.chain_id}",
        min_group=min_group,
        log_chunk=log_chunk,
    )
    session.say(f"report: {path}")
    session.done({"report": str(path), "chainId": session.chain_id, "minGroup": min_group})


COMMANDS = [report]
