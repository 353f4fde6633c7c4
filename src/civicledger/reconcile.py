"""Reconciliation: every program's ledger and every parcel's history rebuilt from event logs
alone, then compared with what contract storage and the stablecoin say.

The events are the audit trail (STYLE 10): if they are complete, replaying them gives the same
figures the contracts keep in storage. A difference means an event is missing or wrong, storage
was changed outside the rules, or money reached the contract outside `fundProgram`.

Figures per program, and the events each is rebuilt from:

====================  =========================================  ==============================
figure                events                                     contract
====================  =========================================  ==============================
budget                ProgramCreated, then ProgramRulesChanged   program(id).budget
minted                Σ BatchDistributed.total                   program(id).minted
minted (mints)        Σ TransferSingle/Batch from address 0      program(id).minted
to merchants          Σ TransferSingle/Batch citizen → merchant  (no counter: see next line)
held by merchants     to merchants − burns from merchants        Σ balanceOf(merchant, id)
redeemed              Σ TokenUnwrapForTarget amounts             program(id).redeemed
reclaimed             Σ TokensReclaimed.amount                   program(id).reclaimed
burnt                 Σ TransferSingle/Batch to address 0        redeemed + reclaimed
in wallets            Σ balances replayed from every transfer    Σ balanceOf(holder, id)
escrow funded         Σ ProgramFunded.amount                     programEscrow(id).funded
paid out              redeemed amounts × face value              programEscrow(id).paidOut
withdrawn             Σ PBMrevokeWithdraw.sovTokenValue          programEscrow(id).withdrawn
escrow balance        funded − paid out − withdrawn              programEscrow(id).balance
====================  =========================================  ==============================

And for the whole token: Σ TokenUnwrapForTarget.sovTokenValue against Σ paidOut, and the escrow
balances against the stablecoin's `balanceOf(BenefitToken)` (a surplus is money that arrived
outside `fundProgram`; stablecoin transfers to the token in transactions without a
ProgramFunded are listed as its likely source). Each parcel's state is replayed from the
registry's events the way `civicledger.land.history` does and compared with `land.state`.

Logs are read in chunks of `log_chunk` blocks (providers cap eth_getLogs ranges) from each
contract's deployment block, and kept in an optional JSON cache keyed by chain id and contract
address, so a second run reads only the blocks mined since. Contract state is read at the same
block the logs end at, so a transaction mined during the audit cannot create a false difference.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from eth_utils import event_abi_to_log_topic
from web3 import Web3
from web3.contract import Contract

from civicledger import land
from civicledger.errors import CivicError
from civicledger.logs import DEFAULT_LOG_CHUNK, ERC20_TRANSFER_TOPIC, as_log, logs_in_chunks

ZERO = "0x" + "00" * 20
CACHE_VERSION = 1

# Row names, in the order the table shows them; TOKENS rows count tokens, MONEY rows
# settlement-token units.
TOKENS = (
    "budget",
    "minted",
    "minted (mints)",
    "to merchants",
    "held by merchants",
    "redeemed",
    "reclaimed",
    "burnt",
    "in wallets",
)
MONEY = ("escrow funded", "paid out", "withdrawn", "escrow balance")

Progress = Callable[[str], None]


# --------------------------------------------------------------------------------------------
# Logs, in chunks, with a resumable cache
# --------------------------------------------------------------------------------------------


class LogCache:
    """Raw logs read so far, per chain id and contract address (and topic filter), in a JSON
    file: {"version", "streams": {key: {"fromBlock", "lastBlock", "lastHash", "logs"}}}.

    The hash of the last block scanned is kept too: if the chain no longer has that block
    (a reorg, or a dev chain reset or reverted to a snapshot), the stream is read again from
    its start rather than trusted.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else None
        self.streams: dict[str, dict[str, Any]] = {}
        if self.path and self.path.exists():
            try:
                data = json.loads(self.path.read_text())
            except (OSError, ValueError) as exc:
                raise CivicError(f"cannot read log cache {self.path}: {exc}") from None
            if data.get("version") == CACHE_VERSION:
                self.streams = data.get("streams", {})
        self.ranges: list[tuple[str, int, int]] = []  # (key, first, last) read in this run

    @staticmethod
    def key(chain_id: int, address: str, topics: list[Any] | None = None) -> str:
        base = f"{chain_id}:{address.lower()}"
        return base if not topics else base + ":" + ",".join(str(t or "*") for t in topics)

    def logs(
        self,
        w3: Web3,
        address: str,
        from_block: int,
        head: int,
        *,
        chunk: int = DEFAULT_LOG_CHUNK,
        topics: list[Any] | None = None,
        progress: Progress | None = None,
    ) -> list[dict[str, Any]]:
        """Every log of `address` (matching `topics`) from `from_block` to `head`."""
        key = self.key(w3.eth.chain_id, address, topics)
        stream = self.streams.get(key)
        if stream is not None and not self._still_valid(w3, stream, from_block, head):
            stream = None
        if stream is None:
            stream = {"fromBlock": from_block, "lastBlock": from_block - 1, "logs": []}
        start = stream["lastBlock"] + 1
        if start <= head:
            if progress:
                progress(
                    f"reading logs of {address} blocks {start:,}-{head:,} ({chunk:,} a request)"
                )
            query: dict[str, Any] = {"address": address}
            if topics:
                query["topics"] = topics
            found = logs_in_chunks(w3, query, start, chunk, to_block=head)
            stream["logs"].extend(log for log in found if not log.get("removed"))
            self.ranges.append((key, start, head))
        stream["lastBlock"] = head
        stream["lastHash"] = _block_hash(w3, head)
        self.streams[key] = stream
        return stream["logs"]

    @staticmethod
    def _still_valid(w3: Web3, stream: dict[str, Any], from_block: int, head: int) -> bool:
        last = stream.get("lastBlock", -1)
        if stream.get("fromBlock") != from_block or last > head:
            return False
        return last < from_block or stream.get("lastHash") == _block_hash(w3, last)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps({"version": CACHE_VERSION, "streams": self.streams}))
        os.replace(partial, self.path)  # a crash mid-write never leaves half a cache


def _block_hash(w3: Web3, number: int) -> str:
    return "0x" + bytes(w3.eth.get_block(number)["hash"]).hex()


@dataclass(frozen=True)
class Event:
    name: str
    args: dict[str, Any]
    block: int
    log_index: int
    tx_hash: str


def decode(contract: Contract, raw_logs: Iterable[Mapping[str, Any]]) -> list[Event]:
    """The contract's events among `raw_logs`, decoded, in chain order (others are skipped)."""
    decoders = {}
    for abi in contract.abi:
        if abi.get("type") == "event":
            event = getattr(contract.events, abi["name"])()
            decoders[bytes(event_abi_to_log_topic(abi))] = event
    events = []
    for raw in raw_logs:
        log = as_log(raw)
        event = decoders.get(bytes(log["topics"][0])) if log["topics"] else None
        if event is None:
            continue
        args = dict(event.process_log(log)["args"])
        events.append(
            Event(
                event.event_name,
                args,
                log["blockNumber"],
                log["logIndex"],
                "0x" + bytes(log["transactionHash"]).hex(),
            )
        )
    return sorted(events, key=lambda e: (e.block, e.log_index))


# --------------------------------------------------------------------------------------------
# Ledgers from events
# --------------------------------------------------------------------------------------------


@dataclass
class ProgramLedger:
    """One program's figures as the events tell them."""

    program_id: int
    name: str = ""
    face_value: int = 0
    budget: int = 0
    minted: int = 0
    mints: int = 0
    to_merchants: int = 0
    merchant_burns: int = 0
    redeemed: int = 0
    reclaimed: int = 0
    burnt: int = 0
    funded: int = 0
    paid_out: int = 0
    withdrawn: int = 0
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def escrow_balance(self) -> int:
        return self.funded - self.paid_out - self.withdrawn


@dataclass
class TokenLedger:
    """Every program's ledger, the merchants and the contract-wide money, from events."""

    programs: dict[int, ProgramLedger]
    merchants: set[str]
    unwrapped_value: int  # Σ TokenUnwrapForTarget.sovTokenValue
    funding_txs: set[str]  # transactions that carry a ProgramFunded


def token_ledger(events: Iterable[Event]) -> TokenLedger:
    """Replay the BenefitToken's events (in chain order) into each program's ledger."""
    events = list(events)
    programs: dict[int, ProgramLedger] = {}
    ledger = lambda pid: programs.setdefault(pid, ProgramLedger(pid))  # noqa: E731
    merchants = {
        Web3.to_checksum_address(e.args["merchant"])
        for e in events
        if e.name == "MerchantOnboarded"
    }
    unwrapped, funding_txs = 0, set()
    for e in events:
        a = e.args
        if e.name == "NewPBMTypeCreated":
            ledger(a["tokenId"]).name = a["tokenName"]
        elif e.name == "ProgramCreated":
            p = ledger(a["programId"])
            p.face_value, p.budget = a["faceValue"], a["rules"]["budget"]
        elif e.name == "ProgramRulesChanged":
            ledger(a["programId"]).budget = a["current"]["budget"]
        elif e.name == "BatchDistributed":
            ledger(a["programId"]).minted += a["total"]
        elif e.name in ("TransferSingle", "TransferBatch"):
            ids, values = (
                ([a["id"]], [a["value"]]) if e.name == "TransferSingle" else (a["ids"], a["values"])
            )
            sender, receiver = a["from"], a["to"]
            for pid, value in zip(ids, values, strict=True):
                p = ledger(pid)
                if sender == ZERO:
                    p.mints += value
                else:
                    p.balances[sender] -= value
                if receiver == ZERO:
                    p.burnt += value
                    if sender in merchants:
                        p.merchant_burns += value
                else:
                    p.balances[receiver] += value
                    if sender != ZERO and receiver in merchants:
                        p.to_merchants += value
        elif e.name == "TokenUnwrapForTarget":
            unwrapped += a["sovTokenValue"]
            for pid, amount in zip(a["tokenIds"], a["amounts"], strict=True):
                p = ledger(pid)
                p.redeemed += amount
                p.paid_out += amount * p.face_value
        elif e.name == "TokensReclaimed":
            ledger(a["programId"]).reclaimed += a["amount"]
        elif e.name == "ProgramFunded":
            ledger(a["programId"]).funded += a["amount"]
            funding_txs.add(e.tx_hash)
        elif e.name == "PBMrevokeWithdraw":
            ledger(a["PBMTokenId"]).withdrawn += a["sovTokenValue"]
    return TokenLedger(programs, merchants, unwrapped, funding_txs)


def parcel_states(registry: Contract, events: Iterable[Event]) -> dict[int, land.ParcelState]:
    """Each parcel's state replayed from the registry's events, as `land.history` replays one
    parcel's, but from logs already read (in chunks, cached) rather than one query per parcel."""
    states: dict[int, land.ParcelState] = {}
    liens: dict[int, set[int]] = defaultdict(set)
    for e in events:
        pid = e.args.get("parcelId")
        if e.name not in land.PARCEL_EVENTS or pid is None:
            continue
        st = states.get(pid) or land._empty_state(pid)
        states[pid], _ = land._apply(st, liens[pid], e.name, e.args, {})
    return states


# --------------------------------------------------------------------------------------------
# Contract state, read at one block
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramState:
    """One program's figures as storage holds them (zeros for a program storage lacks)."""

    budget: int = 0
    minted: int = 0
    redeemed: int = 0
    reclaimed: int = 0
    funded: int = 0
    paid_out: int = 0
    withdrawn: int = 0
    escrow_balance: int = 0
    merchant_balances: int = 0
    holder_balances: dict[str, int] = field(default_factory=dict)


class StateReader:
    """What the contracts and the stablecoin say at `block`. A seam: tests (or an auditor with
    another source, e.g. an archive node's storage proofs) may pass their own."""

    def __init__(self, token: Contract, stablecoin: Contract, block: int) -> None:
        self.token, self.stablecoin, self.block = token, stablecoin, block

    def program_count(self) -> int:
        return self.token.functions.programCount().call(block_identifier=self.block)

    def program(self, program_id: int, merchants: list[str], holders: list[str]) -> ProgramState:
        fn, at = self.token.functions, {"block_identifier": self.block}
        if program_id > self.program_count():
            return ProgramState()
        p = fn.program(program_id).call(**at)
        funded, paid_out, withdrawn, balance, _outstanding = fn.programEscrow(program_id).call(**at)
        owners = list(dict.fromkeys(merchants + holders))
        held = dict(zip(owners, self._balances(owners, program_id), strict=True))
        return ProgramState(
            budget=p[2],
            minted=p[8],
            redeemed=p[9],
            reclaimed=p[10],
            funded=funded,
            paid_out=paid_out,
            withdrawn=withdrawn,
            escrow_balance=balance,
            merchant_balances=sum(held[m] for m in merchants),
            holder_balances={h: held[h] for h in holders},
        )

    def _balances(self, owners: list[str], program_id: int) -> list[int]:
        out: list[int] = []
        for i in range(0, len(owners), 500):  # bounded calls: a node caps eth_call's work
            part = owners[i : i + 500]
            out += self.token.functions.balanceOfBatch(part, [program_id] * len(part)).call(
                block_identifier=self.block
            )
        return out

    def stablecoin_held(self) -> int:
        return self.stablecoin.functions.balanceOf(self.token.address).call(
            block_identifier=self.block
        )


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One figure: what the events say, what the contract says (None: it keeps no counter)."""

    figure: str
    events: int
    contract: int | None
    unit: str  # "tokens" or "units" (of the stablecoin)

    @property
    def difference(self) -> int:
        """contract − events: positive when the contract holds more than the events explain."""
        return 0 if self.contract is None else self.contract - self.events


@dataclass(frozen=True)
class ProgramReport:
    program_id: int
    name: str
    rows: list[Row]
    holders: list[tuple[str, int, int]]  # (holder, events, contract) that disagree


@dataclass(frozen=True)
class ParcelDifference:
    parcel_id: int
    field: str
    events: Any
    storage: Any


@dataclass(frozen=True)
class Inflow:
    """A stablecoin transfer to the BenefitToken in a transaction without a ProgramFunded."""

    tx_hash: str
    block: int
    sender: str
    amount: int


@dataclass
class Reconciliation:
    chain_id: int
    head: int
    token: str
    registry: str | None
    programs: list[ProgramReport]
    totals: list[Row]
    parcels: int
    parcel_differences: list[ParcelDifference]
    unexplained_inflows: list[Inflow]
    ranges: list[tuple[str, int, int]]

    @property
    def differences(self) -> int:
        """How many figures, balances and parcel fields disagree."""
        rows = [r for p in self.programs for r in p.rows] + self.totals
        return (
            sum(1 for r in rows if r.difference)
            + sum(len(p.holders) for p in self.programs)
            + len(self.parcel_differences)
        )

    def as_dict(self) -> dict[str, Any]:
        row = lambda r: {  # noqa: E731
            "figure": r.figure,
            "unit": r.unit,
            "events": r.events,
            "contract": r.contract,
            "difference": r.difference,
        }
        return {
            "chainId": self.chain_id,
            "block": self.head,
            "differences": self.differences,
            "programs": [
                {
                    "programId": p.program_id,
                    "name": p.name,
                    "figures": [row(r) for r in p.rows],
                    "holderDifferences": [
                        {"holder": h, "events": e, "contract": c} for h, e, c in p.holders
                    ],
                }
                for p in self.programs
            ],
            "totals": [row(r) for r in self.totals],
            "parcels": self.parcels,
            "parcelDifferences": [
                {
                    "parcelId": d.parcel_id,
                    "field": d.field,
                    "events": d.events,
                    "storage": d.storage,
                }
                for d in self.parcel_differences
            ],
            "unexplainedInflows": [i.__dict__ for i in self.unexplained_inflows],
            "logRanges": [{"stream": k, "from": a, "to": b} for k, a, b in self.ranges],
        }


def compare_program(ledger: ProgramLedger, state: ProgramState) -> ProgramReport:
    """The program's figures, events against contract."""
    tokens = lambda name, ev, co: Row(name, ev, co, "tokens")  # noqa: E731
    money = lambda name, ev, co: Row(name, ev, co, "units")  # noqa: E731
    replayed = {h: b for h, b in ledger.balances.items()}
    rows = [
        tokens("budget", ledger.budget, state.budget),
        tokens("minted", ledger.minted, state.minted),
        tokens("minted (mints)", ledger.mints, state.minted),
        tokens("to merchants", ledger.to_merchants, None),
        tokens(
            "held by merchants",
            ledger.to_merchants - ledger.merchant_burns,
            state.merchant_balances,
        ),
        tokens("redeemed", ledger.redeemed, state.redeemed),
        tokens("reclaimed", ledger.reclaimed, state.reclaimed),
        tokens("burnt", ledger.burnt, state.redeemed + state.reclaimed),
        tokens("in wallets", sum(replayed.values()), sum(state.holder_balances.values())),
        money("escrow funded", ledger.funded, state.funded),
        money("paid out", ledger.paid_out, state.paid_out),
        money("withdrawn", ledger.withdrawn, state.withdrawn),
        money("escrow balance", ledger.escrow_balance, state.escrow_balance),
    ]
    holders = [
        (h, replayed.get(h, 0), state.holder_balances.get(h, 0))
        for h in sorted(set(replayed) | set(state.holder_balances))
        if replayed.get(h, 0) != state.holder_balances.get(h, 0)
    ]
    return ProgramReport(ledger.program_id, ledger.name, rows, holders)


def compare_parcel(rebuilt: land.ParcelState, stored: land.ParcelState) -> list[ParcelDifference]:
    return [
        ParcelDifference(
            rebuilt.parcel_id, f.name, getattr(rebuilt, f.name), getattr(stored, f.name)
        )
        for f in fields(land.ParcelState)
        if getattr(rebuilt, f.name) != getattr(stored, f.name)
    ]


# --------------------------------------------------------------------------------------------
# The whole audit
# --------------------------------------------------------------------------------------------


def reconcile(
    w3: Web3,
    token: Contract,
    stablecoin: Contract,
    *,
    token_block: int,
    registry: Contract | None = None,
    registry_block: int | None = None,
    log_chunk: int = DEFAULT_LOG_CHUNK,
    cache: LogCache | None = None,
    state: StateReader | None = None,
    head: int | None = None,
    progress: Progress | None = None,
) -> Reconciliation:
    """Rebuild every program's ledger and every parcel from events, and compare with state.

    `token_block` and `registry_block` are the deployment blocks (the manifest's), where the log
    scan starts; `cache` keeps the logs read for the next run (saved before returning);
    `state` reads the contracts (default: a `StateReader` at `head`, the latest block).
    """
    if log_chunk < 1:
        raise CivicError(f"log chunk must be at least 1 block, not {log_chunk}")
    cache = cache or LogCache()
    head = w3.eth.block_number if head is None else head
    state = state or StateReader(token, stablecoin, head)

    read = lambda address, start, topics=None: cache.logs(  # noqa: E731
        w3, address, start, head, chunk=log_chunk, topics=topics, progress=progress
    )
    ledger = token_ledger(decode(token, read(token.address, token_block)))
    to_token = "0x" + bytes(12).hex() + token.address[2:].lower()
    inflow_logs = read(stablecoin.address, token_block, [ERC20_TRANSFER_TOPIC, None, to_token])
    registry_events = (
        decode(registry, read(registry.address, registry_block or 0)) if registry else []
    )
    cache.save()

    ids = sorted(set(ledger.programs) | set(range(1, state.program_count() + 1)))
    merchants = sorted(ledger.merchants)
    reports = []
    for pid in ids:
        p = ledger.programs.get(pid) or ProgramLedger(pid)
        reports.append(compare_program(p, state.program(pid, merchants, sorted(p.balances))))

    escrow_events = sum(p.escrow_balance for p in ledger.programs.values())
    escrow_contract = sum(
        r.contract or 0 for rep in reports for r in rep.rows if r.figure == "escrow balance"
    )
    paid_contract = sum(
        r.contract or 0 for rep in reports for r in rep.rows if r.figure == "paid out"
    )
    totals = [
        Row("paid out (TokenUnwrapForTarget)", ledger.unwrapped_value, paid_contract, "units"),
        Row("escrow balance, all programs", escrow_events, escrow_contract, "units"),
        Row("stablecoin held by BenefitToken", escrow_events, state.stablecoin_held(), "units"),
    ]
    inflows = [
        Inflow(e.tx_hash, e.block, e.args["from"], e.args["value"])
        for e in decode(stablecoin, inflow_logs)
        if e.name == "Transfer" and e.tx_hash not in ledger.funding_txs
    ]

    parcels, parcel_diffs = 0, []
    if registry is not None:
        rebuilt = parcel_states(registry, registry_events)
        # Ids are sequential from 1: the one after the last the events know must be empty in
        # storage, or a parcel exists that no event announced.
        probe = max(rebuilt, default=0) + 1
        for pid in sorted(rebuilt) + [probe]:
            stored = land.state(registry, pid, head)
            parcel_diffs += compare_parcel(rebuilt.get(pid) or land._empty_state(pid), stored)
        parcels = len(rebuilt)

    return Reconciliation(
        chain_id=w3.eth.chain_id,
        head=head,
        token=token.address,
        registry=registry.address if registry is not None else None,
        programs=reports,
        totals=totals,
        parcels=parcels,
        parcel_differences=parcel_diffs,
        unexplained_inflows=inflows,
        ranges=list(cache.ranges),
    )
