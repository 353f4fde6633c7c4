"""What the city's municipal developers run: deploy, a local node, roles, programs, distribution."""

from __future__ import annotations

import signal
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click
import yaml

from civicledger import benefits, chain, devchain, distribution, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, ProgramConfig, bits, members
from civicledger.cli.options import (
    ADDRESS,
    Session,
    UserError,
    chain_command,
    confirm,
    dry_run_option,
    log_chunk_option,
    yes_option,
)

# --------------------------------------------------------------------------------------------
# Deploy, node, roles


@click.command()
@chain_command
@click.option(
    "--stablecoin",
    type=ADDRESS,
    envvar="CIVIC_STABLECOIN",
    help="The settlement stablecoin's address (required on a live chain; a dev chain gets the "
    "DevStablecoin stand-in).",
)
@yes_option
def deploy(session: Session, stablecoin: str | None, yes: bool) -> None:
    """Deploy the suite, or complete it, and write deployments/<chainid>.json.

    Re-running deploys nothing that is already on chain.
    """
    from civicledger.deploy import deploy_plan, deploy_suite

    w3, signer = session.w3, session.signer
    plan = deploy_plan(w3, signer, stablecoin=stablecoin)
    if plan.to_deploy and not plan.dev_chain:
        session.say(plan.describe())
        confirm(session, f"Deploy {', '.join(plan.to_deploy)} on chain {session.chain_id}?", yes)
    suite = deploy_suite(w3, signer, stablecoin=stablecoin, on_receipt=session.tx)
    for name, entry in suite.manifest.contracts.items():
        session.say(f"{name:16} {entry['address']}  (block {entry['block']})")
    session.say(f"manifest: {suite.manifest.path}")
    session.done(
        {
            "chainId": session.chain_id,
            "manifest": str(suite.manifest.path),
            **{name: entry["address"] for name, entry in suite.manifest.contracts.items()},
        }
    )


@click.command()
@click.option("--port", default=8545, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".civic-node"),
    show_default=True,
    help="Folder that keeps the chain between restarts.",
)
@click.option("--accounts", "count", default=10, show_default=True, help="Funded dev accounts.")
def node(port: int, db_path: Path, count: int) -> None:
    """Run the project's local Ganache (chain 1337, shanghai, the dev mnemonic) until Ctrl-C.

    Its state survives restarts in --db, so every other command can be tried against it with
    the default --network development.
    """
    # A service manager or `kill` sends SIGTERM, not Ctrl-C: stop the node the same way (from
    # the start, while it boots too), or the chain process would outlive this command.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with devchain.ganache(accounts=count, port=port, db_path=db_path) as dev:
            click.echo(
                f"CivicLedger dev chain: {dev.client_version}, chain id {dev.w3.eth.chain_id}"
            )
            click.echo(f"RPC URL  {dev.w3.provider.endpoint_uri}   (state kept in {db_path}/)")
            click.echo(f"Mnemonic {devchain.DEV_MNEMONIC}  (public: never fund it on a real chain)")
            for i, account in enumerate(dev.accounts):
                balance = dev.w3.eth.get_balance(account.address) // 10**18
                click.echo(f"  dev{i:<2} {account.address}  {balance:,} ETH")
            click.echo("Ctrl-C stops it.")
            dev.process.wait()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@click.command()
@chain_command
@click.argument("role")
@click.argument("grantee", metavar="ACCOUNT", type=ADDRESS)
@click.option(
    "--contract",
    type=click.Choice(["benefits", "registry"]),
    default=None,
    help="Which contract (default: the one that defines the role).",
)
def grant(session: Session, role: str, grantee: str, contract: str | None) -> None:
    """Grant ROLE (e.g. DISTRIBUTOR_ROLE) to ACCOUNT; the signer must be the contract's admin."""
    role = role.upper()
    target = _role_contract(session, role, contract)
    roles.grant_roles(session.w3, session.signer, target, {role: grantee})
    session.say(f"{grantee} holds {role} on {target.address}")
    session.done({"role": role, "account": grantee, "contract": target.address})


def _role_contract(session: Session, role: str, which: str | None):
    if which == "registry":
        return session.registry
    if which == "benefits" or role in roles.roles_of(session.benefits):
        return session.benefits
    return session.registry


@click.command("dev-mint")
@chain_command
@click.argument("amount")
@click.option("--to", "to", type=ADDRESS, default=None, help="Recipient (default: the signer).")
def dev_mint(session: Session, amount: str, to: str | None) -> None:
    """Mint AMOUNT of the dev stablecoin (dev chains only): money for a treasurer to try funding."""
    if session.chain_id not in chain.DEV_CHAIN_IDS:
        raise UserError(f"chain {session.chain_id} is not a dev chain: there is no dev stablecoin")
    coin = session.stablecoin
    units = to_units(amount, coin.functions.decimals().call())
    receipt = chain.transact(
        session.w3, session.signer, coin.functions.mint(to or session.signer.address, units)
    )
    session.tx(f"minted {amount} cdUSD", receipt)
    session.done({"to": to or session.signer.address, "units": units})


# --------------------------------------------------------------------------------------------
# Programs


@click.group()
def program() -> None:
    """Benefit programs: create, fund, show, list, change rules, withdraw, reclaim."""


CATEGORY_NAMES = [c.name.lower().replace("_", "-") for c in ProgramCategory]
MERCHANT_NAMES = [c.name.lower() for c in MerchantCategory]


@program.command("create")
@chain_command
@click.option(
    "--file",
    "spec",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A JSON or YAML file with the fields below (flags override it).",
)
@click.option("--name", default=None, help='e.g. "Health 2027".')
@click.option("--category", type=click.Choice(CATEGORY_NAMES), default=None)
@click.option(
    "--face-value", default=None, help="Value of one token in the stablecoin, e.g. 10.00."
)
@click.option("--budget", type=int, default=None, help="Most tokens that may ever be minted.")
@click.option("--valid-from", default=None, help="Date (2027-01-01) or unix time; default now.")
@click.option("--valid-until", default=None, help="Date or unix time when spending ends.")
@click.option(
    "--merchants", default=None, help=f"Allowed merchant categories: {','.join(MERCHANT_NAMES)}."
)
@click.option("--districts", default=None, help="Allowed district numbers 0-63, e.g. 1,2,3.")
@click.option(
    "--per-citizen-cap", type=int, default=None, help="Most tokens one citizen may hold (0: none)."
)
@click.option("--uri", default=None, help="Metadata URI.")
def program_create(session: Session, spec: Path | None, **flags: Any) -> None:
    """Create a program (an ERC-1155 token id) with its rules."""
    fields = _load_spec(spec)
    fields.update({k: v for k, v in flags.items() if v is not None})
    config = _program_config(session, fields)
    program_id = benefits.create_program(
        session.w3,
        session.signer,
        session.benefits,
        config,
        on_receipt=lambda r: session.tx("program created", r),
    )
    session.say(f"program {program_id}: {config.name}")
    session.done({"programId": program_id, "name": config.name})


def _load_spec(spec: Path | None) -> dict[str, Any]:
    if spec is None:
        return {}
    try:
        data = yaml.safe_load(spec.read_text())  # YAML reads JSON too
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read program file {spec}: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"program file {spec} must hold a mapping of fields")
    return {str(k).replace("-", "_"): v for k, v in data.items()}


def _program_config(session: Session, f: dict[str, Any]) -> ProgramConfig:
    missing = [
        k
        for k in (
            "name",
            "category",
            "face_value",
            "budget",
            "valid_until",
            "merchants",
            "districts",
        )
        if f.get(k) in (None, "")
    ]
    if missing:
        raise UserError("a program needs " + ", ".join("--" + m.replace("_", "-") for m in missing))
    category = str(f["category"]).lower()
    if category not in CATEGORY_NAMES:
        raise UserError(f"unknown category '{category}': choose one of {', '.join(CATEGORY_NAMES)}")
    decimals = session.stablecoin.functions.decimals().call()
    now = session.w3.eth.get_block("latest")["timestamp"]
    return ProgramConfig(
        name=str(f["name"]),
        category=ProgramCategory[category.upper().replace("-", "_")],
        face_value=to_units(str(f["face_value"]), decimals),
        budget=_whole(f["budget"], "budget"),
        valid_from=to_time(f.get("valid_from"), now) if f.get("valid_from") else now,
        valid_until=to_time(f["valid_until"], now),
        merchant_categories=bits(_merchant_category(m) for m in _listed(f["merchants"])),
        districts=bits(_whole(d, "district") for d in _listed(f["districts"])),
        per_citizen_cap=_whole(f.get("per_citizen_cap") or 0, "per-citizen cap"),
        uri=str(f.get("uri") or ""),
    )


def _listed(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _merchant_category(name: str) -> int:
    if name.lower() not in MERCHANT_NAMES:
        raise UserError(
            f"unknown merchant category '{name}': choose from {', '.join(MERCHANT_NAMES)}"
        )
    return MerchantCategory[name.upper()]


def _whole(value: Any, what: str) -> int:
    try:
        number = int(str(value).replace("_", ""))
    except ValueError:
        raise UserError(f"{what} must be a whole number, not {value!r}") from None
    if number < 0:
        raise UserError(f"{what} cannot be negative")
    return number


def to_units(amount: str, decimals: int) -> int:
    """'10.50' of a 6-decimal stablecoin → 10_500_000; refuses more decimals than it has."""
    try:
        value = Decimal(str(amount).replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise UserError(f"amount {amount!r} is not a number") from None
    units = value * (10**decimals)
    if units != units.to_integral_value() or units <= 0:
        raise UserError(f"amount {amount} must be above 0 with at most {decimals} decimals")
    return int(units)


def show_units(units: int, decimals: int) -> str:
    return f"{Decimal(units) / (10**decimals):,.{min(decimals, 2)}f}"


def to_time(value: Any, now: int) -> int:
    """A date (2027-01-31), a date and time (2027-01-31T12:00), unix seconds, or +30d."""
    text = str(value).strip()
    if text.startswith("+") and text.endswith("d"):
        return now + int(text[1:-1]) * 86400
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{text!r} is not a date (2027-01-31), unix time or +30d") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


@program.command("fund")
@chain_command
@click.argument("program_id", type=int)
@click.argument("amount")
def program_fund(session: Session, program_id: int, amount: str) -> None:
    """Move AMOUNT of the stablecoin from the signer (a treasurer) into PROGRAM_ID's escrow."""
    coin = session.stablecoin
    units = to_units(amount, coin.functions.decimals().call())
    have = coin.functions.balanceOf(session.signer.address).call()
    if have < units:
        raise UserError(
            f"{session.signer.address} holds {have:,} stablecoin units, not the {units:,} to fund"
            + (
                " (on a dev chain: `civic dev-mint`)"
                if session.chain_id in chain.DEV_CHAIN_IDS
                else ""
            )
        )
    receipt = benefits.fund_program(
        session.w3, session.signer, session.benefits, coin, program_id, units
    )
    session.tx(f"funded program {program_id} with {amount}", receipt)
    session.done({"programId": program_id, "units": units})


@program.command("show")
@chain_command
@click.argument("program_id", type=int)
def program_show(session: Session, program_id: int) -> None:
    """A program's rules and exact figures: budget, minted, redeemed, expired, escrow, paid."""
    fig = benefits.program(session.benefits, program_id)
    decimals = session.stablecoin.functions.decimals().call()
    money = lambda units: show_units(units, decimals)  # noqa: E731
    if session.as_json:
        session.done({**fig.__dict__, "outstanding": fig.outstanding, "expired": fig.expired})
        return
    cats = ", ".join(
        MerchantCategory(c).name.lower()
        for c in members(fig.merchant_categories)
        if c < len(MerchantCategory)
    )
    lines = [
        f"Program {program_id}: {fig.name} ({ProgramCategory(fig.category).name.lower()})",
        f"  valid            {_when(fig.valid_from)} to {_when(fig.valid_until)}; redemption closes {_when(fig.redemption_closes_at)}{' (closed)' if fig.closed else ''}",
        f"  for what         {cats}",
        f"  where            districts {', '.join(map(str, members(fig.districts)))}",
        f"  face value       {money(fig.face_value)}",
        f"  per-citizen cap  {fig.per_citizen_cap or 'none'}",
        f"  budget           {fig.budget:>12,} tokens",
        f"  minted           {fig.minted:>12,}",
        f"  redeemed         {fig.redeemed:>12,}",
        f"  reclaimed        {fig.reclaimed:>12,}",
        f"  outstanding      {fig.outstanding:>12,}  in wallets and merchants' tills",
        f"  expired          {fig.expired:>12,}",
        f"  escrow funded    {money(fig.escrow_funded):>12}",
        f"  paid out         {money(fig.paid_out):>12}",
        f"  withdrawn        {money(fig.withdrawn):>12}",
        f"  escrow balance   {money(fig.escrow_balance):>12}  (backs {money(fig.outstanding_value)} outstanding)",
    ]
    click.echo("\n".join(lines))


@program.command("list")
@chain_command
def program_list(session: Session) -> None:
    """Every program with its budget, minted and redeemed counts."""
    token = session.benefits
    rows = [
        benefits.program(token, pid) for pid in range(1, token.functions.programCount().call() + 1)
    ]
    if session.as_json:
        session.done(
            {
                "programs": [
                    {
                        "programId": f.program_id,
                        "name": f.name,
                        "budget": f.budget,
                        "minted": f.minted,
                        "redeemed": f.redeemed,
                        "closed": f.closed,
                    }
                    for f in rows
                ]
            }
        )
        return
    if not rows:
        click.echo("no programs yet: `civic program create --help`")
    for f in rows:
        click.echo(
            f"{f.program_id:>4}  {f.name:<28} budget {f.budget:>10,}  minted {f.minted:>10,}  redeemed {f.redeemed:>10,}{'  closed' if f.closed else ''}"
        )


@program.command("rules")
@chain_command
@click.argument("program_id", type=int)
@click.option("--budget", type=int, default=None)
@click.option("--valid-until", default=None, help="Date or unix time (may only be extended).")
@click.option("--merchants", default=None, help="Allowed merchant categories.")
@click.option("--districts", default=None, help="Allowed districts.")
@click.option("--per-citizen-cap", type=int, default=None)
def program_rules(
    session: Session, program_id: int, budget, valid_until, merchants, districts, per_citizen_cap
) -> None:
    """Change some of a program's rules, keeping the others."""
    now = session.w3.eth.get_block("latest")["timestamp"]
    receipt = benefits.change_rules(
        session.w3,
        session.signer,
        session.benefits,
        program_id,
        budget=budget,
        valid_until=to_time(valid_until, now) if valid_until else None,
        merchant_categories=(
            bits(_merchant_category(m) for m in _listed(merchants)) if merchants else None
        ),
        districts=bits(_whole(d, "district") for d in _listed(districts)) if districts else None,
        per_citizen_cap=per_citizen_cap,
    )
    session.tx(f"rules of program {program_id} changed", receipt)
    session.done({"programId": program_id})


@program.command("withdraw")
@chain_command
@click.argument("program_id", type=int)
def program_withdraw(session: Session, program_id: int) -> None:
    """Return PROGRAM_ID's unspent escrow to the treasury after its redemption window."""
    token = session.benefits
    receipt = chain.transact(
        session.w3, session.signer, token.functions.withdrawUnspent(program_id)
    )
    session.tx(f"unspent escrow of program {program_id} withdrawn", receipt)
    session.done({"programId": program_id})


@program.command("reclaim")
@chain_command
@click.argument("program_id", type=int)
@click.argument("holders", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def program_reclaim(session: Session, program_id: int, holders: Path) -> None:
    """Burn expired tokens of PROGRAM_ID held by the addresses in HOLDERS (a CSV's first column)."""
    rows = distribution.read_csv_addresses(holders)
    token = session.benefits
    for start in range(0, len(rows), 200):
        part = rows[start : start + 200]
        receipt = chain.transact(
            session.w3, session.signer, token.functions.reclaimExpired(program_id, part)
        )
        session.tx(f"reclaimed expired tokens of {len(part)} holders", receipt)
    session.done({"programId": program_id, "holders": len(rows)})


# --------------------------------------------------------------------------------------------
# Distribution


class _Progress:
    """A progress bar with rate and ETA on a terminal, plain lines otherwise."""

    def __init__(self, total_rows: int, enabled: bool):
        self.total = total_rows
        self.done = 0
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.first_sent: float | None = None
        self.sent_rows = 0

    def __call__(self, event: str, batch: distribution.Batch, info: Any) -> None:
        if not self.enabled:
            return
        if event == "on-chain":
            self.done += len(batch.rows)
            if not self.tty:
                click.echo(
                    f"batch {batch.index}: already on chain (tx {info}), checked against the rows",
                    err=True,
                )
            return
        if event == "sent":
            if self.first_sent is None:
                self.first_sent = time.monotonic()
            return
        self.done += len(batch.rows)
        self.sent_rows += len(batch.rows)
        elapsed = time.monotonic() - (self.first_sent or self.started)
        rate = self.sent_rows / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate else 0.0
        if self.tty:
            width = 30
            filled = int(width * self.done / max(1, self.total))
            click.echo(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done:,}/{self.total:,} citizens "
                f"{rate:,.0f}/s ETA {eta:,.0f}s ",
                nl=False,
                err=True,
            )
            if self.done >= self.total:
                click.echo("", err=True)
        else:
            click.echo(
                f"batch {batch.index}: {batch.lines} paid in tx {info.tx_hash} (block {info.block_number}); "
                f"{self.done:,}/{self.total:,} citizens, {rate:,.0f}/s",
                err=True,
            )


@click.command()
@chain_command
@click.argument("program_id", type=click.IntRange(0, 2**256 - 1))
@click.argument("spreadsheet", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--run-id", required=True, help="Names this distribution; the same id resumes it.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, distribution.MAX_BATCH),
    default=None,
    help=f"Recipients per transaction (default {distribution.default_batch_size()}, "
    "under mainnet's per-transaction gas cap). Fixed once the run has sent anything.",
)
@click.option(
    "--receipts",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the receipt CSV (default: next to the spreadsheet).",
)
@click.option(
    "--window",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Transactions in flight at once.",
)
@log_chunk_option
@dry_run_option
@yes_option
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
def distribute(
    session: Session,
    program_id: int,
    spreadsheet: Path,
    run_id: str,
    batch_size: int | None,
    receipts: Path | None,
    window: int,
    log_chunk: int,
    dry_run: bool,
    yes: bool,
    quiet: bool,
) -> None:
    """Distribute PROGRAM_ID's tokens to the citizens of SPREADSHEET (CSV: address,amount).

    Safe to run again with the same --run-id after any interruption: batches already on chain
    are read back and checked against the spreadsheet, and only the rest is sent. Nobody is
    paid twice, nobody is skipped; an edited spreadsheet is refused.
    """
    rows = distribution.read_csv(spreadsheet)
    token = session.benefits
    signer = session.signer
    from_block = int(session.manifest.contracts.get("BenefitToken", {}).get("block", 0))
    journal = distribution.journal_path(spreadsheet, run_id)
    common = dict(
        run_id=run_id,
        batch_size=batch_size,
        from_block=from_block,
        journal=journal,
        source=str(spreadsheet),
        window=window,
        log_chunk=log_chunk,
    )
    live = session.chain_id not in chain.DEV_CHAIN_IDS
    if dry_run or (live and not yes):
        plan = distribution.distribute(
            session.w3, signer, token, program_id, rows, dry_run=True, **common
        )
        _show_plan(session, plan)
        if dry_run:
            session.done(_report_json(plan))
            return
        confirm(session, f"Send {plan.batches - len(plan.already_on_chain)} transactions?", yes)
    report = distribution.distribute(
        session.w3,
        signer,
        token,
        program_id,
        rows,
        progress=_Progress(len(rows), enabled=not (quiet or session.as_json)),
        **common,
    )
    receipts = receipts or spreadsheet.with_name(f"{spreadsheet.stem}.{run_id}.receipts.csv")
    report.write_receipts(receipts, rows)
    paid_now = report.paid_now
    session.say(
        f"run {run_id}: {report.rows:,} citizens, {report.total:,} tokens in {report.batches} batches of "
        f"up to {report.batch_size}; {len(report.already_on_chain)} batches were already on chain, "
        f"{len(report.sent)} sent now ({paid_now:,} citizens, {report.gas_used:,} gas, "
        f"{report.seconds:,.1f} s)"
    )
    session.say(f"receipts: {receipts}")
    session.done({**_report_json(report), "receipts": str(receipts)})


def _show_plan(session: Session, plan: distribution.Report) -> None:
    todo = plan.batches - len(plan.already_on_chain)
    fees = session.w3.eth.gas_price
    session.say(
        f"run {plan.run_id}: {plan.rows:,} rows, {plan.total:,} tokens, {plan.batches} batches of up to "
        f"{plan.batch_size}; {len(plan.already_on_chain)} already on chain, {todo} to send"
    )
    session.say(
        f"gas limit for those {todo}: {plan.gas_limit_total:,} (at most); at today's {fees / 1e9:,.2f} gwei "
        f"that is at most {plan.gas_limit_total * fees / 1e18:,.6f} ETH"
    )


def _report_json(report: distribution.Report) -> dict[str, Any]:
    return {
        "runId": report.run_id,
        "programId": report.program_id,
        "batchSize": report.batch_size,
        "batches": report.batches,
        "rows": report.rows,
        "total": report.total,
        "alreadyOnChain": report.already_on_chain,
        "sent": report.sent,
        "txHashes": report.tx_hashes,
        "gasUsed": report.gas_used,
        "gasLimitTotal": report.gas_limit_total,
        "seconds": round(report.seconds, 3),
        "dryRun": report.dry_run,
    }


COMMANDS = [deploy, node, grant, dev_mint, program, distribute]
