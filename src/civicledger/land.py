"""The land title registry from Python: parcels, the transfer workflow, liens, court freezes,
subdivision and merger, documents, and each parcel's history rebuilt from event logs alone.

Every function takes the web3.py `Web3`, the eth-account signer and the registry `Contract` it
works with; transactions go through `civicledger.chain.transact`, so a refusal arrives as a
`ContractError` named after the contract's custom error (``ParcelFrozen``, ``ParcelEncumbered``…).

On chain a title is identified by its parcel id; cadastral references, case references, document
kinds and price references are short ASCII strings stored as bytes32 (`to_bytes32`), and deeds,
geometries and other documents are referenced by their keccak-256 hash (`document_hash`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import event_abi_to_log_topic, keccak
from web3 import Web3
from web3.contract import Contract

from civicledger import chain
from civicledger.chain import Receipt
from civicledger.errors import CivicError
from civicledger.logs import DEFAULT_LOG_CHUNK, read_logs
from civicledger.manifest import Manifest, deploy_once
from civicledger.roles import grant_roles

DEFAULT_BASE_URI = "https://land.civicledger.example/parcels/"
ZERO_ADDRESS = "0x" + "00" * 20
ZERO32 = bytes(32)
DAY = 24 * 60 * 60

# Called with the receipt of the transaction a function sent (the CLI shows it).
OnReceipt = Callable[[Receipt], None]

STATUSES = ("None", "Live", "Retired")
PROPOSAL_STATUSES = ("None", "Open", "Accepted", "Cancelled", "Completed")

ROLES = ("REGISTRAR_ROLE", "COURT_ROLE", "LENDER_ROLE", "PAUSER_ROLE")

# Events whose first indexed argument is the parcel id: one topic filter finds them all.
PARCEL_EVENTS = (
    "ParcelRegistered",
    "ParcelRetired",
    "TransferProposed",
    "TransferAccepted",
    "TransferCancelled",
    "TransferConsented",
    "TitleTransferred",
    "LenderAuthorized",
    "LienAdded",
    "LienReleased",
    "LienDischarged",
    "ParcelFreezeOrdered",
    "ParcelFreezeLifted",
    "DocumentAttached",
)


class InvalidReference(CivicError, ValueError):
    """A reference does not fit the registry's bytes32 fields."""


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------


def to_bytes32(value: str | bytes) -> bytes:
    """A short ASCII reference ("LOT-2026-0001") or a 32-byte hash, as the contract's bytes32."""
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        return bytes.fromhex(value[2:])
    raw = value.encode("ascii") if isinstance(value, str) else bytes(value)
    if len(raw) > 32:
        raise InvalidReference(f"reference {value!r} is longer than 32 bytes")
    return raw.ljust(32, b"\0")


def from_bytes32(value: bytes) -> str:
    """A bytes32 shown as its ASCII text when it is one, else as 0x-hex."""
    raw = bytes(value)
    text = raw.rstrip(b"\0")
    if text and all(32 <= b < 127 for b in text) and raw[len(text) :] == bytes(32 - len(text)):
        return text.decode("ascii")
    return "0x" + raw.hex()


def document_hash(content: bytes | str) -> bytes:
    """The keccak-256 hash that goes on chain in place of a document, deed or geometry."""
    return keccak(content.encode() if isinstance(content, str) else content)


def _topic(parcel_id: int) -> str:
    return "0x" + parcel_id.to_bytes(32, "big").hex()


def _event(receipt: Receipt, registry: Contract, name: str) -> list[Any]:
    event = getattr(registry.events, name)()
    topic = event_abi_to_log_topic(event.abi)
    return [
        event.process_log(log)["args"]
        for log in receipt.logs
        if log["address"] == registry.address and log["topics"] and log["topics"][0] == topic
    ]


def _new(
    w3: Web3,
    account: LocalAccount,
    registry: Contract,
    call: Any,
    event: str,
    on_receipt: OnReceipt | None,
) -> Any:
    """Send `call`, hand its receipt to `on_receipt`, and return the arguments of the `event`
    it emitted (where the new parcel, proposal, lien or document id is)."""
    receipt = chain.transact(w3, account, call)
    if on_receipt:
        on_receipt(receipt)
    return _event(receipt, registry, event)[0]


# --------------------------------------------------------------------------------------------
# Deployment and roles
# --------------------------------------------------------------------------------------------


def deploy_registry(
    w3: Web3,
    account: LocalAccount,
    manifest: Manifest,
    admin: str | None = None,
    base_uri: str = DEFAULT_BASE_URI,
    on_receipt: Callable[[str, Receipt], None] | None = None,
) -> Contract:
    """Deploy the LandRegistry (or pick it up from the manifest); `admin` (default: the
    deploying account) receives DEFAULT_ADMIN_ROLE only, and grants the working roles."""
    return deploy_once(
        w3,
        account,
        manifest,
        "LandRegistry",
        admin or account.address,
        base_uri,
        on_receipt=on_receipt,
    )


# --------------------------------------------------------------------------------------------
# Registration, transfer workflow, liens, disputes, lineage, documents
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParcelSpec:
    """What a registrar states for a parcel created by subdivision or merger."""

    cadastral_ref: str | bytes
    geometry_hash: bytes
    area: int
    deed_hash: bytes

    def as_tuple(self) -> tuple[bytes, bytes, int, bytes]:
        return (to_bytes32(self.cadastral_ref), self.geometry_hash, self.area, self.deed_hash)


def register(
    w3: Web3,
    account: LocalAccount,
    registry: Contract,
    *,
    owner: str,
    cadastral_ref: str | bytes,
    geometry_hash: bytes,
    area: int,
    deed_hash: bytes,
    deed_uri: str = "",
    on_receipt: OnReceipt | None = None,
) -> int:
    """Register a parcel (area in m²) and mint its title to `owner`; returns the parcel id."""
    call = registry.functions.register(
        owner, to_bytes32(cadastral_ref), geometry_hash, area, deed_hash, deed_uri
    )
    return _new(w3, account, registry, call, "ParcelRegistered", on_receipt)["parcelId"]


def propose_transfer(
    w3: Web3,
    account: LocalAccount,
    registry: Contract,
    parcel_id: int,
    *,
    buyer: str,
    deed_hash: bytes,
    price_ref: str | bytes = b"",
    expires_at: int | None = None,
    valid_for: int = 30 * DAY,
    on_receipt: OnReceipt | None = None,
) -> int:
    """The owner proposes to sell to `buyer`; returns the proposal id.

    `price_ref` is a reference or hash of the agreed price (the price itself stays off chain);
    without `expires_at` the proposal is valid for `valid_for` seconds from the latest block.
    """
    if expires_at is None:
        expires_at = w3.eth.get_block("latest")["timestamp"] + valid_for
    call = registry.functions.proposeTransfer(
        parcel_id, buyer, to_bytes32(price_ref), deed_hash, expires_at
    )
    return _new(w3, account, registry, call, "TransferProposed", on_receipt)["proposalId"]


def accept_transfer(
    w3: Web3, account: LocalAccount, registry: Contract, proposal_id: int
) -> Receipt:
    """The buyer accepts the proposal's terms."""
    return chain.transact(w3, account, registry.functions.acceptTransfer(proposal_id))


def approve_transfer(
    w3: Web3, account: LocalAccount, registry: Contract, proposal_id: int
) -> Receipt:
    """A registrar approves an accepted proposal: the title moves to the buyer."""
    return chain.transact(w3, account, registry.functions.approveTransfer(proposal_id))


def cancel_transfer(
    w3: Web3, account: LocalAccount, registry: Contract, proposal_id: int
) -> Receipt:
    """The seller or the buyer withdraws the proposal before approval."""
    return chain.transact(w3, account, registry.functions.cancelTransfer(proposal_id))


def authorize_lender(
    w3: Web3,
    account: LocalAccount,
    registry: Contract,
    parcel_id: int,
    lender: str,
    authorized: bool = True,
) -> Receipt:
    """The owner lets `lender` (holding no LENDER_ROLE) register one lien on the parcel."""
    call = registry.functions.authorizeLender(parcel_id, lender, authorized)
    return chain.transact(w3, account, call)


def add_lien(
    w3: Web3,
    account: LocalAccount,
    registry: Contract,
    parcel_id: int,
    *,
    amount_ref: str | bytes,
    document_hash: bytes,
    on_receipt: OnReceipt | None = None,
) -> int:
    """The signing lender registers a lien on the parcel; returns the lien id."""
    call = registry.functions.addLien(parcel_id, to_bytes32(amount_ref), document_hash)
    return _new(w3, account, registry, call, "LienAdded", on_receipt)["lienId"]


def release_lien(w3: Web3, account: LocalAccount, registry: Contract, lien_id: int) -> Receipt:
    """The lender releases its lien."""
    return chain.transact(w3, account, registry.functions.releaseLien(lien_id))


def discharge_lien(
    w3: Web3, account: LocalAccount, registry: Contract, lien_id: int, case_ref: str | bytes
) -> Receipt:
    """A court discharges the lien by court order in the case `case_ref`."""
    call = registry.functions.dischargeLien(lien_id, to_bytes32(case_ref))
    return chain.transact(w3, account, call)


def consent_to_transfer(
    w3: Web3, account: LocalAccount, registry: Contract, lien_id: int, proposal_id: int
) -> Receipt:
    """The lender of `lien_id` consents to the transfer of proposal `proposal_id`."""
    return chain.transact(w3, account, registry.functions.consentToTransfer(lien_id, proposal_id))


def freeze(
    w3: Web3, account: LocalAccount, registry: Contract, parcel_id: int, case_ref: str | bytes
) -> Receipt:
    """A court freezes the parcel for the case `case_ref`."""
    call = registry.functions.freeze(parcel_id, to_bytes32(case_ref))
    return chain.transact(w3, account, call)


def unfreeze(w3: Web3, account: LocalAccount, registry: Contract, parcel_id: int) -> Receipt:
    """A court lifts the parcel's freeze."""
    return chain.transact(w3, account, registry.functions.unfreeze(parcel_id))


def subdivide(
    w3: Web3,
    account: LocalAccount,
    registry: Contract,
    parcel_id: int,
    children: Sequence[ParcelSpec],
    on_receipt: OnReceipt | None = None,
) -> list[int]:
    """A registrar splits the parcel into `children` (areas summing to its own); returns ids."""
    call = registry.functions.subdivide(parcel_id, [c.as_tuple() for c in children])
    return list(_new(w3, account, registry, call, "ParcelRetired", on_receipt)["successorIds"])


def merge(
    w3: Web3,
    account: LocalAccount,
    registry: Contract,
    parcel_ids: Sequence[int],
    merged: ParcelSpec,
    on_receipt: OnReceipt | None = None,
) -> int:
    """A registrar merges parcels of one owner into `merged`; returns its id."""
    call = registry.functions.merge(list(parcel_ids), merged.as_tuple())
    return _new(w3, account, registry, call, "ParcelRegistered", on_receipt)["parcelId"]


def attach_document(
    w3: Web3,
    account: LocalAccount,
    registry: Contract,
    parcel_id: int,
    *,
    kind: str | bytes,
    document_hash: bytes,
    uri: str = "",
    on_receipt: OnReceipt | None = None,
) -> int:
    """Attach a document (kind such as "survey", its hash, its URI); returns its index."""
    call = registry.functions.attachDocument(parcel_id, to_bytes32(kind), document_hash, uri)
    return _new(w3, account, registry, call, "DocumentAttached", on_receipt)["index"]


# --------------------------------------------------------------------------------------------
# Reading storage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParcelRecord:
    """A parcel as its storage says, ready to print."""

    parcel_id: int
    status: str
    owner: str | None
    cadastral_ref: str
    geometry_hash: bytes
    deed_hash: bytes
    area: int
    open_proposal_id: int
    registered_at: int
    active_liens: int
    frozen_case: str | None


@dataclass(frozen=True)
class ProposalRecord:
    proposal_id: int
    parcel_id: int
    seller: str
    buyer: str
    status: str
    lien_consents: int
    expires_at: int
    price_ref: str
    deed_hash: bytes


@dataclass(frozen=True)
class LienRecord:
    lien_id: int
    parcel_id: int
    lender: str
    active: bool
    amount_ref: str
    document_hash: bytes


def _holder(registry: Contract, parcel_id: int, block: int | str = "latest") -> str | None:
    holder = registry.functions.holderOf(parcel_id).call(block_identifier=block)
    return None if int(holder, 16) == 0 else holder


def parcel(registry: Contract, parcel_id: int) -> ParcelRecord:
    """The parcel record from contract storage."""
    fields = registry.functions.parcel(parcel_id).call()
    ref, geometry, deed, area, open_id, registered_at, status, liens = fields[:8]
    case = registry.functions.freezeCase(parcel_id).call()
    return ParcelRecord(
        parcel_id=parcel_id,
        status=STATUSES[status],
        owner=_holder(registry, parcel_id),
        cadastral_ref=from_bytes32(ref),
        geometry_hash=bytes(geometry),
        deed_hash=bytes(deed),
        area=area,
        open_proposal_id=open_id,
        registered_at=registered_at,
        active_liens=liens,
        frozen_case=None if bytes(case) == ZERO32 else from_bytes32(case),
    )


def proposal(registry: Contract, proposal_id: int) -> ProposalRecord:
    """A transfer proposal from contract storage."""
    parcel_id, seller, consents, status, buyer, expires, price, deed = registry.functions.proposal(
        proposal_id
    ).call()
    return ProposalRecord(
        proposal_id,
        parcel_id,
        seller,
        buyer,
        PROPOSAL_STATUSES[status],
        consents,
        expires,
        from_bytes32(price),
        bytes(deed),
    )


def lien(registry: Contract, lien_id: int) -> LienRecord:
    """A lien from contract storage."""
    lender, parcel_id, active, amount, doc = registry.functions.lien(lien_id).call()
    return LienRecord(lien_id, parcel_id, lender, active, from_bytes32(amount), bytes(doc))


@dataclass(frozen=True)
class ParcelState:
    """Everything about a parcel that both storage and the event log can tell: the two views
    `state()` and `history().state` must be equal."""

    parcel_id: int
    status: str
    owner: str | None
    cadastral_ref: bytes
    geometry_hash: bytes
    area: int
    deed_hash: bytes
    frozen_case: bytes | None
    active_liens: int
    open_proposal_id: int
    parents: tuple[int, ...]
    children: tuple[int, ...]
    documents: tuple[tuple[bytes, bytes], ...]


def state(registry: Contract, parcel_id: int, block: int | str = "latest") -> ParcelState:
    """The parcel's state as contract storage holds it (at `block`: an audit compares it with
    the events up to that block, so a registry transaction mined meanwhile cannot show)."""
    fn, at = registry.functions, {"block_identifier": block}
    fields = fn.parcel(parcel_id).call(**at)
    ref, geometry, deed, area, open_id, _registered, status, liens = fields[:8]
    case = bytes(fn.freezeCase(parcel_id).call(**at))
    count = fn.documentCount(parcel_id).call(**at)
    documents = tuple(
        (bytes(kind), bytes(digest))
        for kind, digest in (fn.document(parcel_id, i).call(**at) for i in range(count))
    )
    return ParcelState(
        parcel_id=parcel_id,
        status=STATUSES[status],
        owner=_holder(registry, parcel_id, block),
        cadastral_ref=bytes(ref),
        geometry_hash=bytes(geometry),
        area=area,
        deed_hash=bytes(deed),
        frozen_case=None if case == ZERO32 else case,
        active_liens=liens,
        open_proposal_id=open_id,
        parents=tuple(fn.parentsOf(parcel_id).call(**at)),
        children=tuple(fn.childrenOf(parcel_id).call(**at)),
        documents=documents,
    )


# --------------------------------------------------------------------------------------------
# History from event logs only
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One event in a parcel's life, as the log says it, with a line a clerk can read."""

    block: int
    log_index: int
    tx_hash: str
    event: str
    args: Mapping[str, Any]
    summary: str


@dataclass(frozen=True)
class History:
    parcel_id: int
    entries: list[HistoryEntry]
    state: ParcelState
    active_lien_ids: tuple[int, ...] = field(default=())

    def lines(self) -> list[str]:
        return [f"block {e.block:>5}  {e.summary}" for e in self.entries]


def _empty_state(parcel_id: int) -> ParcelState:
    return ParcelState(
        parcel_id=parcel_id,
        status="None",
        owner=None,
        cadastral_ref=ZERO32,
        geometry_hash=ZERO32,
        area=0,
        deed_hash=ZERO32,
        frozen_case=None,
        active_liens=0,
        open_proposal_id=0,
        parents=(),
        children=(),
        documents=(),
    )


def _who(address: str, names: Mapping[str, str]) -> str:
    name = names.get(address) or names.get(address.lower())
    short = f"{address[:6]}…{address[-4:]}"
    return f"{name} ({short})" if name else short


class ParcelNotRegistered(CivicError, LookupError):
    """The registry never registered a parcel with this id: it has no history to tell."""

    def __init__(self, parcel_id: int, registry_address: str) -> None:
        self.parcel_id = parcel_id
        self.registry_address = registry_address
        super().__init__(f"parcel {parcel_id} is not registered on LandRegistry {registry_address}")


def history(
    w3: Web3,
    registry: Contract,
    parcel_id: int,
    *,
    from_block: int | None = None,
    names: Mapping[str, str] | None = None,
    log_chunk: int = DEFAULT_LOG_CHUNK,
) -> History:
    """Rebuild the parcel's timeline and present state from the registry's event logs only.

    `eth_getLogs` from the registry's deployment block (its immutable `deploymentBlock()`,
    unless `from_block` is given), `log_chunk` blocks a request (public nodes cap the range),
    filtered on the parcel id, which is the first indexed topic of every registry event. No contract storage is read for the state.
    `names` maps addresses to display names for the summaries (names stay off chain).
    Raises `ParcelNotRegistered` for an id the registry never registered.
    """
    names = {Web3.to_checksum_address(k): v for k, v in (names or {}).items()}
    start = registry.functions.deploymentBlock().call() if from_block is None else from_block
    query = {"address": registry.address, "topics": [None, _topic(parcel_id)]}
    logs = read_logs(w3, query, start, log_chunk)
    decoders = {}
    for name in PARCEL_EVENTS:
        event = getattr(registry.events, name)()
        decoders[bytes(event_abi_to_log_topic(event.abi))] = (name, event)

    st = _empty_state(parcel_id)
    liens: set[int] = set()
    entries: list[HistoryEntry] = []
    for log in sorted(logs, key=lambda x: (x["blockNumber"], x["logIndex"])):
        known = decoders.get(bytes(log["topics"][0]))
        if known is None:
            continue
        name, event = known
        args = dict(event.process_log(log)["args"])
        if args.get("parcelId") != parcel_id:
            continue
        st, summary = _apply(st, liens, name, args, names)
        entries.append(
            HistoryEntry(
                block=log["blockNumber"],
                log_index=log["logIndex"],
                tx_hash="0x" + bytes(log["transactionHash"]).hex(),
                event=name,
                args=args,
                summary=summary,
            )
        )
    if not any(e.event == "ParcelRegistered" for e in entries):
        # No birth in the logs: either an unknown id, or a `from_block` after the registration.
        # Only then is storage asked (status None), so a known parcel keeps its events-only view.
        if registry.functions.parcel(parcel_id).call()[6] == STATUSES.index("None"):
            raise ParcelNotRegistered(parcel_id, registry.address)
    return History(parcel_id, entries, st, tuple(sorted(liens)))


def _apply(
    st: ParcelState, liens: set[int], name: str, a: dict[str, Any], names: Mapping[str, str]
) -> tuple[ParcelState, str]:
    """One event's effect on the rebuilt state, and its readable line."""
    who = lambda addr: _who(addr, names)  # noqa: E731
    if name == "ParcelRegistered":
        parents = tuple(a["parentIds"])
        st = replace(
            st,
            status="Live",
            owner=a["owner"],
            cadastral_ref=bytes(a["cadastralRef"]),
            geometry_hash=bytes(a["geometryHash"]),
            area=a["area"],
            deed_hash=bytes(a["deedHash"]),
            parents=parents,
        )
        origin = (
            "registered"
            if not parents
            else f"created from parcel{'s' if len(parents) > 1 else ''} "
            + ", ".join(f"#{p}" for p in parents)
        )
        deed = f", deed {a['deedURI']}" if a["deedURI"] else ""
        return st, (
            f"Parcel #{a['parcelId']} {from_bytes32(a['cadastralRef'])} {origin}: "
            f"{a['area']:,} m², owner {who(a['owner'])}{deed}"
        )
    if name == "ParcelRetired":
        successors = tuple(a["successorIds"])
        st = replace(st, status="Retired", owner=None, children=st.children + successors)
        return st, "Retired into parcel(s) " + ", ".join(f"#{c}" for c in successors)
    if name == "TransferProposed":
        st = replace(st, open_proposal_id=a["proposalId"])
        expiry = time.strftime("%Y-%m-%d", time.gmtime(a["expiresAt"]))
        return st, (
            f"Owner {who(a['seller'])} proposed sale #{a['proposalId']} to {who(a['buyer'])} "
            f"(price ref {from_bytes32(a['priceRef'])}, valid until {expiry})"
        )
    if name == "TransferAccepted":
        return st, f"Buyer {who(a['buyer'])} accepted proposal #{a['proposalId']}"
    if name == "TransferCancelled":
        if st.open_proposal_id == a["proposalId"]:
            st = replace(st, open_proposal_id=0)
        return st, f"Proposal #{a['proposalId']} cancelled by {who(a['cancelledBy'])}"
    if name == "TransferConsented":
        return st, (
            f"Lender {who(a['lender'])} consented to proposal #{a['proposalId']} "
            f"for lien #{a['lienId']}"
        )
    if name == "TitleTransferred":
        st = replace(st, owner=a["to"], deed_hash=bytes(a["deedHash"]), open_proposal_id=0)
        return st, (
            f"Registrar {who(a['registrar'])} approved proposal #{a['proposalId']}: title moved "
            f"from {who(a['from'])} to {who(a['to'])}"
        )
    if name == "LenderAuthorized":
        verb = "authorized" if a["authorized"] else "withdrew the authorization of"
        return st, f"Owner {who(a['owner'])} {verb} lender {who(a['lender'])}"
    if name == "LienAdded":
        liens.add(a["lienId"])
        st = replace(st, active_liens=len(liens))
        return st, (
            f"Lien #{a['lienId']} registered by {who(a['lender'])} "
            f"(amount ref {from_bytes32(a['amountRef'])})"
        )
    if name == "LienReleased":
        liens.discard(a["lienId"])
        st = replace(st, active_liens=len(liens))
        return st, f"Lien #{a['lienId']} released by {who(a['lender'])}"
    if name == "LienDischarged":
        liens.discard(a["lienId"])
        st = replace(st, active_liens=len(liens))
        return st, (
            f"Lien #{a['lienId']} of {who(a['lender'])} discharged by court {who(a['court'])}, "
            f"case {from_bytes32(a['caseRef'])}"
        )
    if name == "ParcelFreezeOrdered":
        st = replace(st, frozen_case=bytes(a["caseRef"]))
        return st, f"Frozen by court {who(a['court'])}, case {from_bytes32(a['caseRef'])}"
    if name == "ParcelFreezeLifted":
        st = replace(st, frozen_case=None)
        return st, f"Freeze of case {from_bytes32(a['caseRef'])} lifted by {who(a['court'])}"
    if name == "DocumentAttached":
        doc = (bytes(a["kind"]), bytes(a["documentHash"]))
        st = replace(st, documents=st.documents + (doc,))
        uri = f" at {a['uri']}" if a["uri"] else ""
        return st, f"Document '{from_bytes32(a['kind'])}' attached by {who(a['attachedBy'])}{uri}"
    raise AssertionError(f"unhandled event {name}")  # PARCEL_EVENTS and this function agree


# --------------------------------------------------------------------------------------------
# Working roles and figures shared by the story (civicledger.demo) and the bench
# --------------------------------------------------------------------------------------------


def ensure_roles(
    w3: Web3, admin: LocalAccount, registry: Contract, actors: Mapping[str, LocalAccount]
) -> None:
    """Grant the working roles to the actors named registrar, court and lender."""
    for role, actor in (
        ("REGISTRAR_ROLE", "registrar"),
        ("COURT_ROLE", "court"),
        ("LENDER_ROLE", "lender"),
    ):
        if actor in actors:
            grant_roles(w3, admin, registry, {role: actors[actor].address})


def live_area(registry: Contract, parcel_ids: Iterable[int]) -> int:
    """Total area (m²) of the live parcels among `parcel_ids`, from storage."""
    records = (parcel(registry, pid) for pid in parcel_ids)
    return sum(r.area for r in records if r.status == "Live")
