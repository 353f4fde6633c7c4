"""`civic demo` and `civic bench`: the seed's story and the measurements, on local chains the
commands start and stop themselves."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
def demo() -> None:
    """Tell the whole story on a throwaway local Ganache chain."""
    from civicledger import demo as story

    story.run(click.echo)


@click.command()
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


COMMANDS = [demo, bench]
