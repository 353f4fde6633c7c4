"""`civic merchant …`: the city's merchant manager onboards, suspends and reinstates merchants;
a merchant redeems its tokens, submits citizens' signed payments and reads its statement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from civicledger import benefits, chain, payments
from civicledger.benefits import MerchantCategory, MerchantStatus
from civicledger.cli.city import MERCHANT_NAMES, show_units
from civicledger.cli.options import ADDRESS, Session, UserError, chain_command
from civicledger.errors import CivicError, ContractError

LOG_CHUNK = 10_000  # blocks per eth_getLogs request: the range most providers allow


@click.group()
def merchant() -> None:
    """Merchants: onboard, suspend, reinstate; redeem, submit signed payments, statement."""


# --------------------------------------------------------------------------------------------
# The merchant manager's commands


@merchant.command("onboard")
@chain_command
@click.argument("shop", metavar="ACCOUNT", type=ADDRESS)
@click.option("--category", type=click.Choice(MERCHANT_NAMES), required=True)
@click.option(
    "--district",
    type=click.IntRange(0, 255),
    required=True,
    help="The city district it trades in (0-63).",
)
@click.option(
    "--payout",
    type=ADDRESS,
    default=None,
    help="Where its settlements are paid (default: ACCOUNT itself).",
)
def onboard(session: Session, shop: str, category: str, district: int, payout: str | None):
    """Register ACCOUNT as a merchant, or change its details (signer: a merchant manager)."""
    token = session.benefits
    if benefits.merchant(token, shop).status is MerchantStatus.SUSPENDED:
        raise UserError(
            f"{shop} is suspended, and onboarding it again would make it active: run "
            f"`civic merchant reinstate {shop}` first"
        )
    receipt = benefits.onboard_merchant(
        session.w3,
        session.signer,
        token,
        shop,
        MerchantCategory[category.upper()],
        district,
        payout,
    )
    session.tx(f"onboarded {shop} ({category}, district {district})", receipt)
    session.say(f"settlements are paid to {payout or shop}")
    session.done(
        {
            "merchant": shop,
            "category": category,
            "district": district,
            "payout": payout or shop,
        }
    )


@merchant.command("suspend")
@chain_command
@click.argument("shop", metavar="ACCOUNT", type=ADDRESS)
@click.option("--reason", required=True, help="Why; recorded on chain in the MerchantList event.")
def suspend(session: Session, shop: str, reason: str) -> None:
    """Suspend ACCOUNT: it can neither be paid nor redeem until reinstated."""
    receipt = benefits.suspend_merchant(session.w3, session.signer, session.benefits, shop, reason)
    session.tx(f"suspended {shop}", receipt)
    session.done({"merchant": shop, "status": "suspended", "reason": reason})


@merchant.command("reinstate")
@chain_command
@click.argument("shop", metavar="ACCOUNT", type=ADDRESS)
def reinstate(session: Session, shop: str) -> None:
    """Make a suspended merchant ACCOUNT active again."""
    receipt = benefits.reinstate_merchant(session.w3, session.signer, session.benefits, shop)
    session.tx(f"reinstated {shop}", receipt)
    session.done({"merchant": shop, "status": "active"})


# --------------------------------------------------------------------------------------------
# The merchant's own commands


@merchant.command("redeem")
@chain_command
@click.option(
    "--program",
    "program_ids",
    type=click.IntRange(min=1),
    multiple=True,
    help="Redeem only this program's tokens (repeatable). Default: every program.",
)
def redeem(session: Session, program_ids: tuple[int, ...]) -> None:
    """Redeem the benefit tokens the signer (a merchant) holds for their face value, in one
    transaction; the stablecoin goes to its payout address."""
    w3, signer, token = session.w3, session.signer, session.benefits
    if program_ids:
        held = benefits.holdings(token, signer.address, program_ids)
        receipt = benefits.redeem(w3, signer, token, held) if held else None
    else:
        receipt = benefits.redeem_all(w3, signer, token)
    if receipt is None:
        scope = f" in program {', '.join(map(str, program_ids))}" if program_ids else ""
        session.say(
            f"nothing to redeem for {signer.address}{scope} on BenefitToken {token.address}"
        )
        session.done({"merchant": signer.address, "redeemed": {}, "value": 0})
        return
    session.tx("redeemed", receipt)
    (event,) = token.events.TokenUnwrapForTarget().process_receipt(receipt.raw, errors=DISCARD)
    args = event["args"]
    decimals = _decimals(session)
    for pid, amount in zip(args["tokenIds"], args["amounts"], strict=True):
        session.say(f"  program {pid}: {amount:,} tokens")
    session.say(f"paid {show_units(args['sovTokenValue'], decimals)} to {args['to']}")
    session.done(
        {
            "merchant": signer.address,
            "payout": args["to"],
            "redeemed": dict(zip(args["tokenIds"], args["amounts"], strict=True)),
            "value": args["sovTokenValue"],
        }
    )


@merchant.command("submit")
@chain_command
@click.argument("auths", metavar="AUTHS")
def submit(session: Session, auths: str) -> None:
    """Submit citizens' signed payment authorizations: each pays its merchant at once.

    AUTHS is a file holding one authorization as `civic pay sign` writes it, a JSON list of
    them, or civicpay:1:… texts one per line; '-' reads standard input, and a civicpay:1:… text
    may be given as it is. Each is checked (signature, not yet used) and submitted; its outcome
    is shown on one line: paid, skipped (already used or cancelled) or refused (with the
    contract's error). Exit status 1 if any was refused.
    """
    signed = read_authorizations(auths)
    w3, token = session.w3, session.benefits
    session.signer  # noqa: B018 - a missing key stops everything before any is submitted
    decimals = _decimals(session)
    outcomes: list[dict[str, Any]] = []
    for number, payment in enumerate(signed, 1):
        outcome = _submit_one(session, w3, token, payment, decimals)
        outcome["number"] = number
        outcomes.append(outcome)
        session.say(f"{number}. {outcome['line']}")
        if outcome["outcome"] == "paid":
            session.tx("   sent", outcome.pop("receipt"))
    counts = {k: sum(o["outcome"] == k for o in outcomes) for k in ("paid", "skipped", "refused")}
    session.say(f"{counts['paid']} paid, {counts['skipped']} skipped, {counts['refused']} refused")
    session.done(
        {
            **counts,
            "authorizations": [{k: v for k, v in o.items() if k != "line"} for o in outcomes],
        }
    )
    if counts["refused"]:
        click.get_current_context().exit(1)


def _submit_one(
    session: Session, w3: Web3, token: Contract, payment: payments.SignedPayment, decimals: int
) -> dict[str, Any]:
    auth = payment.authorization
    what = (
        f"{auth.amount:,} tokens of program {auth.program_id} from {auth.citizen} "
        f"to {auth.merchant} (nonce 0x{auth.nonce.hex()[:8]}…)"
    )
    facts = {"citizen": auth.citizen, "merchant": auth.merchant, "nonce": auth.nonce}
    try:
        payments.verify(payment)
    except CivicError as exc:
        # A contract wallet (ERC-1271) signs in its own way: the contract itself checks those.
        if not w3.eth.get_code(chain.checksum(auth.citizen, "citizen")):
            return {
                "outcome": "refused",
                "error": "SignatureNotTheCitizens",
                **facts,
                "line": f"refused, {exc}: {what}",
            }
    if payment.verifying_contract != token.address or payment.chain_id != session.chain_id:
        reason = (
            f"it is for BenefitToken {payment.verifying_contract} on chain {payment.chain_id}, "
            f"not {token.address} on chain {session.chain_id}"
        )
        return {
            "outcome": "refused",
            "error": "WrongContract",
            **facts,
            "line": f"refused, {what}: {reason}",
        }
    if payments.is_used(token, payment):
        return {
            "outcome": "skipped",
            **facts,
            "line": f"skipped, already used or cancelled: {what}",
        }
    try:
        receipt = payments.submit(w3, session.signer, token, payment)
    except CivicError as exc:  # a custom error by name, or a failure the node reported
        error = exc.name if isinstance(exc, ContractError) else type(exc).__name__
        return {"outcome": "refused", "error": error, **facts, "line": f"refused, {exc}: {what}"}
    (event,) = token.events.TokenUnwrapForTarget().process_receipt(receipt.raw, errors=DISCARD)
    value, payout = event["args"]["sovTokenValue"], event["args"]["to"]
    return {
        "outcome": "paid",
        **facts,
        "payout": payout,
        "value": value,
        "tx": receipt.tx_hash,
        "receipt": receipt,
        "line": f"paid, {what}: {show_units(value, decimals)} to {payout}",
    }


def read_authorizations(source: str) -> list[payments.SignedPayment]:
    """The signed payments in a file, on standard input ('-'), or in a civicpay:1:… text."""
    if source.strip().startswith(payments.TEXT_PREFIX):
        return payments.read_payments(source, "the text given")
    if source == "-":
        return payments.read_payments(click.get_text_stream("stdin").read(), "standard input")
    path = Path(source)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return payments.read_payments(text, str(path))


@merchant.command("statement")
@chain_command
@click.option(
    "--merchant",
    "shop",
    type=ADDRESS,
    default=None,
    help="Whose statement (default: the signer's address).",
)
def statement(session: Session, shop: str | None) -> None:
    """What a merchant was paid, rebuilt from the chain's events alone: its redemptions and the
    citizens' signed payments to its payout address, with totals per program."""
    token = session.benefits
    shop = shop or session.signer.address
    start = int(session.manifest.contracts["BenefitToken"]["block"])
    found = payments.statement(session.w3, token, shop, from_block=start, chunk=LOG_CHUNK)
    decimals = _decimals(session)
    money = lambda units: show_units(units, decimals)  # noqa: E731
    held = benefits.holdings(token, shop)
    if session.as_json:
        session.done(
            {
                "merchant": shop,
                "fromBlock": found.from_block,
                "toBlock": found.to_block,
                "payments": [
                    {
                        "block": s.block,
                        "tx": s.tx_hash,
                        "programId": s.program_id,
                        "amount": s.amount,
                        "paid": s.value,
                        "payer": s.payer,
                        "payout": s.payout,
                        "way": "redeemed" if s.redeemed else "signed",
                    }
                    for s in found.settlements
                ],
                "totals": {
                    str(pid): {"amount": tokens, "paid": value}
                    for pid, (tokens, value) in found.totals().items()
                },
                "totalPaid": found.total_value,
                "heldNotRedeemed": {str(k): v for k, v in held.items()},
                "sharedPayouts": found.shared_payouts,
            }
        )
        return
    click.echo(
        f"Statement of merchant {shop} on BenefitToken {token.address}, "
        f"blocks {found.from_block}-{found.to_block}"
    )
    if not found.settlements:
        click.echo("no payments received")
    else:
        click.echo(f"{'block':>8}  {'tx':<66}  {'program':>7}  {'amount':>8}  {'paid':>12}  how")
        for s in found.settlements:
            how = "redeemed" if s.redeemed else f"signed by {s.payer}"
            click.echo(
                f"{s.block:>8}  {s.tx_hash:<66}  {s.program_id:>7}  {s.amount:>8,}  "
                f"{money(s.value):>12}  {how}"
            )
        click.echo("totals")
        for pid, (tokens, value) in found.totals().items():
            click.echo(f"  program {pid:<5} {tokens:>8,} tokens  {money(value):>12}")
        click.echo(f"  {'all':<13} {'':>8}         {money(found.total_value):>12}")
    for pid, amount in held.items():
        click.echo(f"held, not yet redeemed: {amount:,} tokens of program {pid}")
    for payout, others in found.shared_payouts.items():
        click.echo(
            f"note: payout {payout} is also the payout of {', '.join(others)}; events cannot "
            "tell whose signed payments into it were, so they are listed for each"
        )


def _decimals(session: Session) -> int:
    return chain.call(session.stablecoin.functions.decimals())


COMMANDS = [merchant]
