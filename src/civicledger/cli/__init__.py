"""The `civic` command line: parses and prints; the package does the work.

One module per user group: `city` (deploy, node, programs, distribution, merchants' admin),
`merchant`, `citizen` (pay), `land`, and `story` (demo, bench).
"""

from __future__ import annotations

import click

from civicledger.cli.options import Refused, UserError
from civicledger.errors import CivicError


class _Group(click.Group):
    """Turns the package's own errors, and bad values given to any command, into one line and
    exit status 2: never a traceback, never a usage screen for a mistyped address."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except CivicError as exc:
            raise UserError(str(exc)) from None
        except click.BadParameter as exc:
            raise UserError(
                exc.message if isinstance(exc, Refused) else exc.format_message()
            ) from None


@click.group(cls=_Group)
@click.version_option(package_name="civicledger")
def main() -> None:
    """CivicLedger: land titles, earmarked benefit tokens and their settlement, on Ethereum."""


def _register() -> None:
    from civicledger.cli import audit, citizen, city, land, merchant, story

    for module in (city, merchant, citizen, land, audit, story):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

if __name__ == "__main__":
    main()
