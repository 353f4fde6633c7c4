"""What auditors, journalists and the council run: `civic audit export | verify | publish |
reconcile` and `civic report`. Each command lives in the module of its job; this one gathers
them into the `audit` group."""

from __future__ import annotations

import click

from civicledger.cli import audit_ledger, audit_publish, audit_source, report


@click.group()
def audit() -> None:
    """Check a deployment: the deployed code is the published source, every token is backed,
    every payment accounted for."""


for _command in (*audit_source.COMMANDS, *audit_publish.COMMANDS, *audit_ledger.COMMANDS):
    audit.add_command(_command)

COMMANDS = [audit, *report.COMMANDS]
