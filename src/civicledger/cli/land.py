"""`civic land …`: what registrars, owners, buyers, lenders and courts do with land titles.

Each command parses, calls `civicledger.land`, and shows the result. Hashes (deeds, geometries,
liens' documents) are given as a file, which is hashed with `land.document_hash`, or as a 0x
keccak-256 hash; references (cadastral, case, price, amount, document kind) are short ASCII text
of at most 32 bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from civicledger import chain
from civicledger import land as land_api
from civicledger.chain import Receipt
from civicledger.cli.city import to_time
from civicledger.cli.options import (
    ADDRESS,
    Refused,
    Session,
    UserError,
    chain_command,
    log_chunk_option,
)
from civicledger.errors import CivicError

# --------------------------------------------------------------------------------------------
# Parameter types


def _what(param: Any, default: str) -> str:
    if isinstance(param, click.Option):
        return param.opts[0]
    return param.human_readable_name if param else default


class HashType(click.ParamType):
    """A document given as a file to hash (keccak-256) or as its 0x hash of 32 bytes."""

    name = "file|0xhash"

    def convert(self, value: Any, param: Any, ctx: Any) -> bytes:
        if isinstance(value, bytes):
            return value
        text = str(value).strip()
        what = _what(param, "hash")
        if text.startswith("0x"):
            try:
                raw = bytes.fromhex(text[2:])
            except ValueError:
                raw = b""
            if len(raw) != 32:
                raise Refused(f"{what} {text!r} is not a 0x hash of 32 bytes (64 hex digits)")
            return raw
        path = Path(text).expanduser()
        try:
            return land_api.document_hash(path.read_bytes())
        except OSError as exc:
            raise Refused(
                f"{what}: cannot read file {text} ({exc.strerror or exc}); "
                "give a file to hash or a 0x hash of 32 bytes"
            ) from None


class ReferenceType(click.ParamType):
    """A short ASCII reference stored as bytes32 ("LOT-2026-0001", "CASE-2026-117")."""

    name = "ref"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        text = str(value)
        what = _what(param, "reference")
        try:
            raw = land_api.to_bytes32(text)
        except (CivicError, UnicodeEncodeError):
            raise Refused(f"{what} {text!r} must be ASCII text of at most 32 bytes") from None
        if raw == land_api.ZERO32:
            raise Refused(f"{what} cannot be empty")
        return text


HASH = HashType()
REF = ReferenceType()
AREA = click.IntRange(min=1, max=2**64 - 1)


@click.group()
def land() -> None:
    """Land titles: register, sell (propose, accept, approve), liens, court freezes,
    subdivision and merger, documents, and each parcel's history from the chain's logs."""


# --------------------------------------------------------------------------------------------
# Registration


@land.command()
@chain_command
@click.option("--owner", required=True, type=ADDRESS, help="Who receives the title.")
@click.option(
    "--ref", "--cadastral-ref", "ref", required=True, type=REF, help="Cadastral reference."
)
@click.option("--area", required=True, type=AREA, help="Area in whole square metres.")
@click.option("--geometry", required=True, type=HASH, help="Survey geometry: file or 0x hash.")
@click.option(
    "--deed", "--deed-hash", "deed", required=True, type=HASH, help="Deed: file or 0x hash."
)
@click.option("--deed-uri", default="", help="Where the deed document can be read (ipfs://…).")
def register(
    session: Session,
    owner: str,
    ref: str,
    area: int,
    geometry: bytes,
    deed: bytes,
    deed_uri: str,
) -> None:
    """Register a parcel and mint its title to --owner (a registrar)."""
    sent: list[Receipt] = []
    parcel_id = land_api.register(
        session.w3,
        session.signer,
        session.registry,
        owner=owner,
        cadastral_ref=ref,
        geometry_hash=geometry,
        area=area,
        deed_hash=deed,
        deed_uri=deed_uri,
        on_receipt=sent.append,
    )
    session.tx(f"registered parcel {parcel_id}", *sent)
    session.say(f"parcel {parcel_id}: {ref}, {area:,} m², owner {owner}")
    session.done({"parcelId": parcel_id, "cadastralRef": ref, "owner": owner, "area": area})


# --------------------------------------------------------------------------------------------
# Transfer workflow


@land.command()
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
@click.argument("buyer", type=ADDRESS)
@click.option(
    "--deed", "--deed-hash", "deed", required=True, type=HASH, help="New deed: file or 0x hash."
)
@click.option("--price-ref", type=REF, default=None, help="Reference of the agreed price.")
@click.option(
    "--expires",
    default="+30d",
    show_default=True,
    help="When the offer lapses: a date (2027-01-31), unix time or +Nd.",
)
def propose(
    session: Session, parcel_id: int, buyer: str, deed: bytes, price_ref: str | None, expires: str
) -> None:
    """The owner proposes to sell PARCEL to BUYER."""
    now = session.w3.eth.get_block("latest")["timestamp"]
    sent: list[Receipt] = []
    proposal_id = land_api.propose_transfer(
        session.w3,
        session.signer,
        session.registry,
        parcel_id,
        buyer=buyer,
        deed_hash=deed,
        price_ref=price_ref or b"",
        expires_at=to_time(expires, now),
        on_receipt=sent.append,
    )
    session.tx(f"proposal {proposal_id}: parcel {parcel_id} to {buyer}", *sent)
    session.say(f"next: the buyer runs `civic land accept {proposal_id}`")
    session.done({"proposalId": proposal_id, "parcelId": parcel_id, "buyer": buyer})


def _proposal_step(name: str, verb: str, step: Callable[..., Receipt], doc: str) -> click.Command:
    @chain_command
    @click.argument("proposal_id", metavar="PROPOSAL", type=int)
    def command(session: Session, proposal_id: int) -> None:
        receipt = step(session.w3, session.signer, session.registry, proposal_id)
        session.tx(f"proposal {proposal_id} {verb}", receipt)
        session.done({"proposalId": proposal_id})

    command.__doc__ = doc
    return land.command(name)(command)


accept = _proposal_step(
    "accept", "accepted", land_api.accept_transfer, "The buyer accepts PROPOSAL's terms."
)
approve = _proposal_step(
    "approve",
    "approved: the title moved to the buyer",
    land_api.approve_transfer,
    "A registrar approves an accepted PROPOSAL: the title moves to the buyer.",
)
cancel = _proposal_step(
    "cancel",
    "cancelled",
    land_api.cancel_transfer,
    "The seller or the buyer withdraws PROPOSAL before approval.",
)


# --------------------------------------------------------------------------------------------
# Liens


@land.group()
def lien() -> None:
    """Liens: a lender registers, releases, or consents to a sale of the parcel it charges."""


@lien.command("add")
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
@click.option("--amount-ref", required=True, type=REF, help="Reference of the amount secured.")
@click.option(
    "--document", required=True, type=HASH, help="The loan or charge document: file or 0x hash."
)
def lien_add(session: Session, parcel_id: int, amount_ref: str, document: bytes) -> None:
    """The signing lender registers a lien on PARCEL."""
    sent: list[Receipt] = []
    lien_id = land_api.add_lien(
        session.w3,
        session.signer,
        session.registry,
        parcel_id,
        amount_ref=amount_ref,
        document_hash=document,
        on_receipt=sent.append,
    )
    session.tx(f"lien {lien_id} on parcel {parcel_id}", *sent)
    session.done({"lienId": lien_id, "parcelId": parcel_id})


@lien.command("release")
@chain_command
@click.argument("lien_id", metavar="LIEN", type=int)
def lien_release(session: Session, lien_id: int) -> None:
    """The lender releases LIEN (paid or waived)."""
    receipt = land_api.release_lien(session.w3, session.signer, session.registry, lien_id)
    session.tx(f"lien {lien_id} released", receipt)
    session.done({"lienId": lien_id})


@lien.command("consent")
@chain_command
@click.argument("lien_id", metavar="LIEN", type=int)
@click.argument("proposal_id", metavar="PROPOSAL", type=int)
def lien_consent(session: Session, lien_id: int, proposal_id: int) -> None:
    """The lender of LIEN consents to the sale of PROPOSAL (the lien stays on the parcel)."""
    receipt = land_api.consent_to_transfer(
        session.w3, session.signer, session.registry, lien_id, proposal_id
    )
    session.tx(f"lien {lien_id}: consent to proposal {proposal_id}", receipt)
    session.done({"lienId": lien_id, "proposalId": proposal_id})


@land.command("authorize-lender")
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
@click.argument("lender", type=ADDRESS)
@click.option("--revoke", is_flag=True, help="Withdraw an authorization not yet used.")
def authorize_lender(session: Session, parcel_id: int, lender: str, revoke: bool) -> None:
    """The owner lets LENDER (without LENDER_ROLE) register one lien on PARCEL."""
    receipt = land_api.authorize_lender(
        session.w3, session.signer, session.registry, parcel_id, lender, not revoke
    )
    verb = "may no longer" if revoke else "may"
    session.tx(f"{lender} {verb} register a lien on parcel {parcel_id}", receipt)
    session.done({"parcelId": parcel_id, "lender": lender, "authorized": not revoke})


# --------------------------------------------------------------------------------------------
# Disputes


@land.command()
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
@click.option("--case", "case_ref", required=True, type=REF, help="The court's case reference.")
def freeze(session: Session, parcel_id: int, case_ref: str) -> None:
    """A court freezes PARCEL: no sale, lien, subdivision or merger until lifted."""
    receipt = land_api.freeze(session.w3, session.signer, session.registry, parcel_id, case_ref)
    session.tx(f"parcel {parcel_id} frozen for case {case_ref}", receipt)
    session.done({"parcelId": parcel_id, "case": case_ref})


@land.command()
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
def unfreeze(session: Session, parcel_id: int) -> None:
    """A court lifts PARCEL's freeze."""
    receipt = land_api.unfreeze(session.w3, session.signer, session.registry, parcel_id)
    session.tx(f"freeze of parcel {parcel_id} lifted", receipt)
    session.done({"parcelId": parcel_id})


# --------------------------------------------------------------------------------------------
# Subdivision, merger, documents


@land.command()
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
@click.option(
    "--child",
    "children",
    nargs=4,
    multiple=True,
    required=True,
    type=(REF, AREA, HASH, HASH),
    metavar="REF AREA GEOMETRY DEED",
    help="A new parcel: cadastral reference, area in m², geometry and deed (file or 0x hash). "
    "Give it once per child; the areas must sum to the parcel's.",
)
def subdivide(
    session: Session, parcel_id: int, children: tuple[tuple[str, int, bytes, bytes], ...]
) -> None:
    """A registrar splits PARCEL into the --child parcels, owned by its owner."""
    specs = [
        land_api.ParcelSpec(ref, geometry, area, deed) for ref, area, geometry, deed in children
    ]
    sent: list[Receipt] = []
    child_ids = land_api.subdivide(
        session.w3, session.signer, session.registry, parcel_id, specs, on_receipt=sent.append
    )
    session.tx(f"parcel {parcel_id} subdivided into {', '.join(map(str, child_ids))}", *sent)
    for child_id, (ref, area, _, _) in zip(child_ids, children, strict=True):
        session.say(f"parcel {child_id}: {ref}, {area:,} m²")
    session.done({"parcelId": parcel_id, "childIds": child_ids})


@land.command()
@chain_command
@click.argument("parcel_ids", metavar="PARCEL PARCEL...", nargs=-1, required=True, type=int)
@click.option("--ref", required=True, type=REF, help="The merged parcel's cadastral reference.")
@click.option("--geometry", required=True, type=HASH, help="Its geometry: file or 0x hash.")
@click.option("--deed", "--deed-hash", "deed", required=True, type=HASH, help="Its deed.")
@click.option("--area", type=AREA, default=None, help="Area in m² (default: the parcels' sum).")
def merge(
    session: Session,
    parcel_ids: tuple[int, ...],
    ref: str,
    geometry: bytes,
    deed: bytes,
    area: int | None,
) -> None:
    """A registrar merges parcels of one owner into a new parcel."""
    registry = session.registry
    if area is None:
        area = sum(land_api.parcel(registry, pid).area for pid in parcel_ids)
    sent: list[Receipt] = []
    merged_id = land_api.merge(
        session.w3,
        session.signer,
        registry,
        parcel_ids,
        land_api.ParcelSpec(ref, geometry, area, deed),
        on_receipt=sent.append,
    )
    session.tx(f"parcels {', '.join(map(str, parcel_ids))} merged into parcel {merged_id}", *sent)
    session.say(f"parcel {merged_id}: {ref}, {area:,} m²")
    session.done({"mergedId": merged_id, "parcelIds": list(parcel_ids), "area": area})


@land.command()
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
@click.argument("document", metavar="FILE", type=HASH)
@click.option("--kind", required=True, type=REF, help="What it is: survey, deed, court-ruling, …")
@click.option("--uri", default="", help="Where the document can be read (kept in the event).")
def document(session: Session, parcel_id: int, document: bytes, kind: str, uri: str) -> None:
    """Attach a document to PARCEL: FILE is hashed (or give its 0x hash)."""
    sent: list[Receipt] = []
    index = land_api.attach_document(
        session.w3,
        session.signer,
        session.registry,
        parcel_id,
        kind=kind,
        document_hash=document,
        uri=uri,
        on_receipt=sent.append,
    )
    session.tx(f"document {index} ({kind}) attached to parcel {parcel_id}", *sent)
    session.done({"parcelId": parcel_id, "index": index, "documentHash": document})


# --------------------------------------------------------------------------------------------
# Reading


@land.command()
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
def show(session: Session, parcel_id: int) -> None:
    """PARCEL as contract storage holds it: owner, area, liens, freeze, proposal, lineage."""
    registry = session.registry
    record = land_api.parcel(registry, parcel_id)
    if record.status == "None":
        raise land_api.ParcelNotRegistered(parcel_id, registry.address)
    st = land_api.state(registry, parcel_id)
    offer = (
        land_api.proposal(registry, record.open_proposal_id) if record.open_proposal_id else None
    )
    if session.as_json:
        session.done(
            {
                **dataclasses.asdict(record),
                "parents": list(st.parents),
                "children": list(st.children),
                "documents": [
                    {"kind": land_api.from_bytes32(k), "hash": h} for k, h in st.documents
                ],
                "openProposal": dataclasses.asdict(offer) if offer else None,
            }
        )
        return
    lines = [
        f"Parcel {parcel_id}: {record.cadastral_ref} ({record.status.lower()})",
        f"  owner          {record.owner or '-'}",
        f"  area           {record.area:,} m²",
        f"  registered     {_when(record.registered_at)}",
        f"  geometry hash  0x{record.geometry_hash.hex()}",
        f"  deed hash      0x{record.deed_hash.hex()}",
        f"  liens          {record.active_liens} active",
        f"  frozen         {'case ' + record.frozen_case if record.frozen_case else 'no'}",
    ]
    if offer:
        lines.append(
            f"  open proposal  #{offer.proposal_id} to {offer.buyer} ({offer.status.lower()}, "
            f"price ref {offer.price_ref or '-'}, until {_when(offer.expires_at)})"
        )
    if st.parents:
        lines.append(f"  from parcels   {', '.join(map(str, st.parents))}")
    if st.children:
        lines.append(f"  into parcels   {', '.join(map(str, st.children))}")
    for kind, digest in st.documents:
        lines.append(f"  document       {land_api.from_bytes32(kind)} 0x{digest.hex()}")
    click.echo("\n".join(lines))


@land.command()
@chain_command
@click.argument("parcel_id", metavar="PARCEL", type=int)
@click.option(
    "--name",
    "names",
    multiple=True,
    metavar="ADDRESS=NAME",
    help="Show ADDRESS as NAME (e.g. 0xAb…=land-office); names stay off chain. Repeatable.",
)
@click.option(
    "--from-block", type=int, default=None, help="Start here (default: the registry's deployment)."
)
@log_chunk_option
def history(
    session: Session,
    parcel_id: int,
    names: tuple[str, ...],
    from_block: int | None,
    log_chunk: int,
) -> None:
    """PARCEL's timeline, rebuilt from the registry's event logs alone."""
    registry = session.registry
    timeline = land_api.history(
        session.w3,
        registry,
        parcel_id,
        from_block=from_block,
        names=_names(names),
        log_chunk=log_chunk,
    )
    if session.as_json:
        session.done(
            {
                "parcelId": parcel_id,
                "registry": registry.address,
                "entries": [
                    {
                        "block": e.block,
                        "logIndex": e.log_index,
                        "tx": e.tx_hash,
                        "event": e.event,
                        "args": dict(e.args),
                        "summary": e.summary,
                    }
                    for e in timeline.entries
                ],
                "state": dataclasses.asdict(timeline.state),
            }
        )
        return
    times: dict[int, int] = {}
    click.echo(f"Parcel {parcel_id} on LandRegistry {registry.address}, from its event logs:")
    for e in timeline.entries:
        if e.block not in times:
            times[e.block] = session.w3.eth.get_block(e.block)["timestamp"]
        click.echo(f"  {_when(times[e.block])}  block {e.block:>6}  {e.summary}")
    st = timeline.state
    now = f"  now: {st.status.lower()}, owner {st.owner or '-'}, {st.area:,} m²"
    now += f", {st.active_liens} active lien(s)"
    if st.frozen_case:
        now += f", frozen for case {land_api.from_bytes32(st.frozen_case)}"
    click.echo(now)


# --------------------------------------------------------------------------------------------
# Helpers


def _names(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        address, sep, name = pair.partition("=")
        if not sep or not name:
            raise UserError(f"--name {pair!r} must be ADDRESS=NAME")
        out[chain.checksum(address, "--name address")] = name
    return out


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


COMMANDS = [land]
