"""`civic pay …`: a citizen with no ETH signs a payment authorization offline, and anyone can
check who signed one and for what."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from civicledger import benefits, chain, payments
from civicledger.cli.merchant import read_authorizations
from civicledger.cli.options import ADDRESS, Session, UserError, chain_command
from civicledger.errors import CivicError


@click.group()
def pay() -> None:
    """Gasless payments: sign an authorization (citizen), verify one (anyone)."""


@pay.command("sign")
@chain_command
@click.option("--program", "program_id", type=click.IntRange(min=1), required=True)
@click.option("--merchant", type=ADDRESS, required=True, help="The merchant to pay.")
@click.option("--amount", type=click.IntRange(min=1), required=True, help="Tokens to pay.")
@click.option(
    "--valid-for",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    help="Seconds from now during which the merchant can submit it.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the authorization's JSON here (default: standard output).",
)
def sign(
    session: Session,
    program_id: int,
    merchant: str,
    amount: int,
    valid_for: int,
    out: Path | None,
) -> None:
    """Sign, as the citizen --account, an EIP-712 authorization paying AMOUNT tokens of PROGRAM
    to MERCHANT. Nothing is sent and no ETH is needed: hand the JSON, or the civicpay:1:… text
    (for a QR code), to the merchant, who submits it with `civic merchant submit`.
    """
    token = session.benefits
    citizen = session.signer
    # The chain's clock, not this machine's: the contract checks validity against block time.
    now = session.w3.eth.get_block("latest")["timestamp"]
    signed = payments.authorize(
        citizen,
        merchant=merchant,
        program_id=program_id,
        amount=amount,
        chain_id=session.chain_id,
        verifying_contract=token.address,
        valid_after=now - 60,
        valid_for=valid_for + 60,
    )
    text = signed.to_text()
    held = benefits.holdings(token, citizen.address, [program_id]).get(program_id, 0)
    warning = (
        f"warning: {citizen.address} holds {held:,} tokens of program {program_id}, fewer than "
        f"{amount:,}: the payment will be refused unless more arrive first"
        if held < amount
        else None
    )
    if session.as_json:
        if out is not None:
            _write(out, signed.to_json())
        session.done(
            {
                "citizen": citizen.address,
                "text": text,
                **({"out": str(out)} if out else {}),
                **({"warning": warning} if warning else {}),
                **_json_fields(signed),
            }
        )
        return
    if out is None:
        click.echo(signed.to_json())
    else:
        _write(out, signed.to_json())
    # With the JSON on standard output, everything for people goes to stderr (`> auth.json`).
    err = out is None
    click.echo(
        f"{citizen.address} authorized {amount:,} tokens of program {program_id} to {merchant}, "
        f"valid until {_when(signed.authorization.valid_before)}"
        + (f"; written to {out}" if out else ""),
        err=err,
    )
    click.echo(text, err=err)
    if warning:
        click.echo(warning, err=True)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text + "\n")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def _json_fields(signed: payments.SignedPayment) -> dict:
    return json.loads(signed.to_json())


@pay.command("verify")
@chain_command
@click.argument("auths", metavar="FILE")
@click.option(
    "--on-chain",
    is_flag=True,
    help="Also ask the chain (--network) whether each is still unused and the citizen holds "
    "the tokens.",
)
def verify(session: Session, auths: str, on_chain: bool) -> None:
    """Show who signed the payment authorizations in FILE and for what (offline).

    FILE is as for `civic merchant submit`: JSON, a JSON list, civicpay:1:… texts one per
    line, '-' for standard input, or a civicpay:1:… text itself. Exit status 2 if a signature
    is not the citizen's it names.
    """
    signed = read_authorizations(auths)
    token = session.benefits if on_chain else None
    results = []
    bad = 0
    for number, payment in enumerate(signed, 1):
        auth = payment.authorization
        try:
            signer = payments.signer_of(payment)
        except CivicError as exc:
            signer = f"nobody: {exc}"
        genuine = signer == chain.checksum(auth.citizen, "citizen")
        bad += not genuine
        result = {
            "signer": signer,
            "genuine": genuine,
            "citizen": auth.citizen,
            "merchant": auth.merchant,
            "programId": auth.program_id,
            "amount": auth.amount,
            "nonce": "0x" + auth.nonce.hex(),
            "validAfter": auth.valid_after,
            "validBefore": auth.valid_before,
            "chainId": payment.chain_id,
            "verifyingContract": payment.verifying_contract,
        }
        lines = [
            f"{number}. signed by {signer}"
            + (
                " (the citizen it names)"
                if genuine
                else f": NOT the citizen it names, {auth.citizen}"
            ),
            f"   pays {auth.amount:,} tokens of program {auth.program_id} to merchant "
            f"{auth.merchant}",
            f"   valid after {_when(auth.valid_after)}, before {_when(auth.valid_before)}",
            f"   nonce 0x{auth.nonce.hex()}, for BenefitToken {payment.verifying_contract} on "
            f"chain {payment.chain_id}",
        ]
        if token is not None:
            result.update(_on_chain(session, token, payment))
            lines.append(f"   on chain: {result['state']}")
        results.append(result)
        session.say("\n".join(lines))
    session.done({"authorizations": results})
    if bad:
        raise UserError(f"{bad} of {len(signed)} signatures are not the named citizen's")


def _on_chain(session: Session, token, payment: payments.SignedPayment) -> dict:
    auth = payment.authorization
    if payment.verifying_contract != token.address or payment.chain_id != session.chain_id:
        return {
            "state": f"for another contract or chain than {token.address} on {session.chain_id}"
        }
    if payments.is_used(token, payment):
        return {"used": True, "state": "already used or cancelled"}
    held = benefits.holdings(token, auth.citizen, [auth.program_id]).get(auth.program_id, 0)
    now = session.w3.eth.get_block("latest")["timestamp"]
    timing = (
        "not valid yet"
        if now <= auth.valid_after
        else "expired" if now >= auth.valid_before else "valid now"
    )
    return {
        "used": False,
        "held": held,
        "state": f"unused, {timing}; the citizen holds {held:,} tokens of program "
        f"{auth.program_id}",
    }


def _when(ts: int) -> str:
    try:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"unix time {ts}"


COMMANDS = [pay]
