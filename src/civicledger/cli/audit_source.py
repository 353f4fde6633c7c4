"""`civic audit export` and `civic audit verify`: is the code on chain the published source?

The export's layout is what `civic audit publish` reads, and what explorers' forms take:

    DIR/export.json                      {"chainId", "contracts": {Name: {"address", "sourceUnit",
                                          "contractName", "compilerVersion", "constructorArgs",
                                          "creationTx"}}}
    DIR/<Name>/standard-input.json       solc standard-JSON input: the import closure inline
    DIR/<Name>/constructor-args.txt      ABI-encoded constructor arguments, 0x hex
    DIR/<Name>/compiler-version.txt      v0.8.30+commit.73712a01
    DIR/<Name>/metadata.json             the compiler's metadata (Sourcify)
    DIR/<Name>/sources/<source unit>     each source the metadata names (Sourcify)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from civicledger import sources
from civicledger.cli.options import Session, chain_command


def _compiling(session: Session) -> Callable[[str], None]:
    def say(name: str) -> None:
        session.say(f"rebuilding {name} (viaIR: up to a minute, then cached by input hash) ...")

    return say


@click.command()
@chain_command
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write (default: ./audit-export-<chainid>).",
)
def export(session: Session, out: Path | None) -> None:
    """Write each deployed contract's standard-JSON input, constructor arguments, compiler
    version and Sourcify metadata: what Etherscan, Blockscout and Sourcify verify from."""
    out = out or Path(f"audit-export-{session.chain_id}")
    summary = sources.export(session.manifest, out, on_contract=_compiling(session))
    for name, entry in summary["contracts"].items():
        session.say(f"{name:16} {entry['address']}  {entry['sourceUnit']}")
    session.say(f"export: {out}/ (standard-input.json, constructor-args.txt, metadata.json ...)")
    session.done({"out": str(out), **summary})


@click.command()
@chain_command
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit 0 when the code matches except its metadata hash (a comment or a path changed).",
)
@click.option(
    "--export",
    "export_folder",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Verify the standard-input.json files of this export instead of the sources on disk.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Compile again even when build/audit-cache holds this exact input's output.",
)
def verify(
    session: Session, allow_partial: bool, export_folder: Path | None, no_cache: bool
) -> None:
    """Rebuild every contract of the manifest and compare with the chain: runtime code with
    immutables masked, and the creation transaction against creation code plus constructor
    arguments. Exit 1 unless every contract is an exact match."""
    verdicts = sources.verify(
        session.w3,
        session.manifest,
        export_folder=export_folder,
        on_contract=_compiling(session),
        use_cache=not no_cache,
    )
    for verdict in verdicts:
        session.say(
            f"{verdict.name:16} {verdict.address}  {verdict.status.upper()}  "
            f"(runtime: {verdict.runtime}, creation: {verdict.creation})"
        )
        for reason in verdict.reasons:
            session.say(f"  {reason}")
        for unit in verdict.changed_sources:
            session.say(f"  source differs from the recorded keccak256: {unit}")
    accepted = {sources.EXACT, sources.PARTIAL} if allow_partial else {sources.EXACT}
    ok = all(v.status in accepted for v in verdicts)
    session.done(
        {
            "chainId": session.chain_id,
            "ok": ok,
            "contracts": {v.name: v.as_dict() for v in verdicts},
        }
    )
    if not ok:
        click.get_current_context().exit(1)


COMMANDS = [export, verify]
