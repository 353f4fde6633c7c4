"""The `civic` command line: parses and prints; the package does the work."""

from __future__ import annotations

from pathlib import Path

import click

from civicledger.errors import CivicError


class _Group(click.Group):
    """Turns the package's own errors into one line and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except CivicError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group)
@click.version_option(package_name="civicledger")
def main() -> None:
    """CivicLedger: land titles, earmarked benefit tokens and their settlement, on Ethereum."""


@main.command()
def demo() -> None:
    """Tell the whole story on a throwaway local Ganache chain."""
    from civicledger import demo as story

    story.run(click.echo)


@main.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bench/results.json"),
    show_default=True,
    help="Where to write the results as JSON.",
)
def bench(output: Path) -> None:
    """Measure gas per operation against the plain OpenZeppelin way and the gas floor."""
    from civicledger import bench as benchmark

    benchmark.run(click.echo, output)
    click.echo(f"results written to {output}")


if __name__ == "__main__":
    main()
