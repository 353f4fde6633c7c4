"""`civic audit reconcile`: every program's ledger and every parcel rebuilt from events alone,
compared with contract storage and the stablecoin's balance (the work is in
`civicledger.reconcile`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from civicledger import reconcile as ledger
from civicledger.cli.options import Session, chain_command, log_chunk_option


@click.command()
@chain_command
@log_chunk_option
@click.option(
    "--cache",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON file keeping the logs read so far: the next run reads only newer blocks.",
)
def reconcile(session: Session, log_chunk: int, cache: Path | None) -> None:
    """Rebuild every program's ledger and every parcel's history from events alone and compare
    them with contract state and the stablecoin held; exit status 1 on any difference."""
    contracts = session.manifest.contracts
    coin = session.stablecoin
    result = ledger.reconcile(
        session.w3,
        session.benefits,
        coin,
        token_block=contracts["BenefitToken"]["block"],
        registry=session.registry if "LandRegistry" in contracts else None,
        registry_block=contracts.get("LandRegistry", {}).get("block"),
        log_chunk=log_chunk,
        cache=ledger.LogCache(cache),
        progress=session.say,
    )
    if session.as_json:
        session.done(result.as_dict())
    else:
        decimals = coin.functions.decimals().call()
        click.echo("\n".join(_table(result, coin.functions.symbol().call(), decimals)))
    if result.differences:
        click.get_current_context().exit(1)


def _table(r: ledger.Reconciliation, symbol: str, decimals: int) -> list[str]:
    def value(number: int | None, unit: str) -> str:
        if number is None:
            return "(no counter)"
        if unit == "tokens":
            return f"{number:,}"
        return f"{Decimal(number).scaleb(-decimals):,.{decimals}f}"  # exact: no unit rounded away

    def row(x: ledger.Row) -> str:
        unit = "tokens" if x.unit == "tokens" else symbol
        mark = "  <- differs" if x.difference else ""
        diff = "" if x.contract is None else value(x.difference, x.unit)
        return (
            f"  {x.figure:32} {unit:7} {value(x.events, x.unit):>22} "
            f"{value(x.contract, x.unit):>22} {diff:>20}{mark}"
        )

    head = f"  {'figure':32} {'unit':7} {'events':>22} {'contract':>22} {'difference':>20}"
    lines = [
        f"Reconciliation of chain {r.chain_id} at block {r.head:,}: BenefitToken {r.token}"
        + (f", LandRegistry {r.registry}" if r.registry else ""),
    ]
    for p in r.programs:
        lines += ["", f"Program {p.program_id}: {p.name or '(no creation event)'}", head]
        lines += [row(x) for x in p.rows]
        lines += [
            f"    holder {h}: events {ev:,}, contract {co:,} tokens  <- differs"
            for h, ev, co in p.holders
        ]
    lines += ["", "All programs", head, *(row(x) for x in r.totals)]
    surplus = r.totals[-1].difference
    if surplus:
        word = "surplus" if surplus > 0 else "shortfall"
        lines.append(
            f"  The BenefitToken holds a {word} of {value(abs(surplus), 'units')} {symbol} that "
            "no program's escrow accounts for."
        )
    for i in r.unexplained_inflows:
        lines.append(
            f"  {symbol} sent outside fundProgram: {value(i.amount, 'units')} from {i.sender} "
            f"in tx {i.tx_hash} (block {i.block:,})"
        )
    if r.registry:
        agree = r.parcels - len({d.parcel_id for d in r.parcel_differences})
        lines += ["", f"Parcels: {r.parcels} rebuilt from events, {agree} agree with storage"]
        lines += [
            f"  parcel {d.parcel_id} {d.field}: events {_shown(d.events)}, "
            f"storage {_shown(d.storage)}  <- differs"
            for d in r.parcel_differences
        ]
    lines += [
        "",
        (
            "Reconciled: events and contract state agree."
            if not r.differences
            else f"{r.differences} difference{'s' if r.differences != 1 else ''} found."
        ),
    ]
    return lines


def _shown(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


COMMANDS = [reconcile]
