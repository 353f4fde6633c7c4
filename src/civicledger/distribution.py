"""Distributing a program's tokens from a spreadsheet: every citizen paid exactly once, across
any number of interruptions, and fast.

Exactly once, by construction:
- A run's batches are a pure function of the rows, the run id and a batch size fixed when the
  run first sent anything. The batch size is written into every batch id on chain
  (`batch_id`), so an attempt on another machine reads it back from the chain; the batch
  boundaries are never re-derived from the chain's current state.
- Before sending, every batch of the run already on chain is read back (its recipients and
  amounts, from the transaction that carried it) and compared with the rows now given; any
  difference is refused, naming the first differing row. The contract refuses a batch id twice.
- Every row is checked before anything is sent, and all bad rows are reported at once.

Fast: calldata is ABI-encoded directly, the gas limit comes from a per-recipient bound measured
by `civic bench` (no `eth_estimateGas` per batch), and up to `window` batches are in flight
(`civicledger.sender`).
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import event_abi_to_log_topic, function_signature_to_4byte_selector, keccak
from web3 import Web3
from web3.contract import Contract

from civicledger import chain
from civicledger.errors import CivicError, ContractError, TransactionFailed
from civicledger.logs import DEFAULT_LOG_CHUNK, logs_in_chunks
from civicledger.roles import role_id
from civicledger.sender import Mined, PipelinedSender

# Public mainnet caps one transaction at 2**24 gas (EIP-7825).
TX_GAS_CAP = 16_777_216
MAX_BATCH = 500  # the contract's MAX_BATCH
# Gas bound for a batch of EOA recipients, from `civic bench` (bench/results.json,
# distribute_per_recipient: 32,795 a new recipient with the per-citizen cap on, the batch's own
# cost included). Unused gas is refunded, so the margin costs nothing; a batch that would not
# fit is caught by the simulation of the run's first batch, which runs with this very limit.
GAS_BASE = 100_000
GAS_PER_RECIPIENT = 33_000
# Batches with a contract recipient (its onERC1155Received runs arbitrary code) are estimated.
CONTRACT_BATCH_MARGIN = 1.25

_SELECTOR = function_signature_to_4byte_selector("distribute(uint256,bytes32,address[],uint256[])")
_ARG_TYPES = ["uint256", "bytes32", "address[]", "uint256[]"]
_TRANSFER_SINGLE = keccak(text="TransferSingle(address,address,address,uint256,uint256)")
_BATCH_DISTRIBUTED = keccak(text="BatchDistributed(uint256,bytes32,uint256,uint256)")
_ZERO_TOPIC = bytes(32)


# --------------------------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class Row:
    """One citizen's line of the spreadsheet: where it is, who, how many tokens."""

    line: int
    address: str
    amount: int


class BadRows(CivicError):
    """Rows that cannot be distributed, every one of them, with its line number."""

    def __init__(self, source: str, problems: list[tuple[int, str]]):
        self.source = source
        self.problems = sorted(problems)
        if len(self.problems) == 1:  # one bad row: one line, like every other user mistake
            ((line, text),) = self.problems
            super().__init__(f"bad row in {source}, line {line}: {text}; nothing was sent")
            return
        shown = self.problems[:50]
        more = len(self.problems) - len(shown)
        lines = [f"line {line}: {text}" for line, text in shown]
        if more:
            lines.append(f"… and {more} more")
        super().__init__(
            f"{len(self.problems)} bad row{'s' if len(self.problems) != 1 else ''} in {source}; "
            "nothing was sent. Fix them and run again:\n  " + "\n  ".join(lines)
        )


class RunMismatch(CivicError):
    """What is on chain for this run differs from the rows now given."""


def read_csv(path: str | Path) -> list[Row]:
    """The rows of a CSV file with columns address,amount (a header line is optional)."""
    path = Path(path)
    if not path.is_file():
        raise CivicError(f"no spreadsheet at {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return parse_rows(csv.reader(handle), source=str(path))
    except UnicodeDecodeError:
        raise CivicError(
            f"{path} is not UTF-8 text (a workbook, or another encoding?): save it as "
            '"CSV UTF-8" with the columns address,amount'
        ) from None


def parse_rows(records: Iterable[Sequence[str]], source: str = "the rows") -> list[Row]:
    """Check every record (address, amount); raise BadRows naming all bad ones at once."""
    rows: list[Row] = []
    problems: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for line, record in enumerate(records, start=1):
        cells = [c.strip() for c in record]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if line == 1 and not cells[0].lower().startswith("0x"):
            continue  # a header
        if len(cells) < 2 or not cells[1]:
            problems.append((line, "needs two columns: address,amount"))
            continue
        if cells[1].lower().startswith("0x") and not cells[0].lower().startswith("0x"):
            problems.append((line, "the columns are swapped: address first, then amount"))
            continue
        try:
            address = chain.checksum(cells[0], "address")
        except CivicError as exc:
            problems.append((line, str(exc)))
            address = None
        try:
            amount = int(cells[1].replace("_", ""))
            if amount <= 0:
                raise ValueError
        except ValueError:
            problems.append((line, f"amount {cells[1]!r} is not a whole number of tokens above 0"))
            amount = None
        if address is None or amount is None:
            continue
        if address in first_line:
            problems.append(
                (line, f"{address} is already on line {first_line[address]} (one row a citizen)")
            )
            continue
        first_line[address] = line
        rows.append(Row(line, address, amount))
    if problems:
        raise BadRows(source, problems)
    if not rows:
        raise CivicError(f"{source} holds no rows to distribute")
    return rows


def read_csv_addresses(path: str | Path) -> list[str]:
    """The addresses in the first column of a CSV (e.g. the holders of expired tokens)."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        records = [[r[0], "1"] for r in csv.reader(handle) if r and r[0].strip()]
    return [row.address for row in parse_rows(records, source=str(path))]


def as_rows(rows: Sequence[Row] | Sequence[tuple[str, int]]) -> list[Row]:
    """Rows from (address, amount) pairs (line = position + 1), checked like a spreadsheet."""
    if rows and isinstance(rows[0], Row):
        return list(rows)  # type: ignore[arg-type]
    return parse_rows(([str(a), str(n)] for a, n in rows), source="the rows")  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# The plan: batches as a pure function of rows, run id and batch size


def run_tag(run_id: str, program_id: int) -> bytes:
    """The 24 bytes every batch id of a run starts with."""
    return keccak(text=f"civicledger-distribution:{run_id}:{program_id}")[:24]


def batch_id(run_id: str, program_id: int, batch_size: int, index: int) -> bytes:
    """A batch's on-chain id: the run's tag, then the run's batch size and the batch's index
    (4 bytes each), so that the chain itself says how the run was cut."""
    return run_tag(run_id, program_id) + batch_size.to_bytes(4, "big") + index.to_bytes(4, "big")


def split_batch_id(value: bytes) -> tuple[bytes, int, int]:
    """(run tag, batch size, index) of a batch id."""
    value = bytes(value)
    return value[:24], int.from_bytes(value[24:28], "big"), int.from_bytes(value[28:32], "big")


@dataclass(frozen=True)
class Batch:
    index: int
    batch_id: bytes
    rows: tuple[Row, ...]

    @property
    def recipients(self) -> list[str]:
        return [r.address for r in self.rows]

    @property
    def amounts(self) -> list[int]:
        return [r.amount for r in self.rows]

    @property
    def total(self) -> int:
        return sum(r.amount for r in self.rows)

    @property
    def lines(self) -> str:
        return f"lines {self.rows[0].line}-{self.rows[-1].line}"


@dataclass(frozen=True)
class Plan:
    run_id: str
    program_id: int
    batch_size: int
    batches: tuple[Batch, ...]

    @property
    def rows(self) -> int:
        return sum(len(b.rows) for b in self.batches)

    def calldata(self, batch: Batch) -> str:
        args = [self.program_id, batch.batch_id, batch.recipients, batch.amounts]
        return "0x" + (_SELECTOR + abi_encode(_ARG_TYPES, args)).hex()


def default_batch_size() -> int:
    """Recipients per transaction under mainnet's per-transaction gas cap (and MAX_BATCH)."""
    return max(1, min(MAX_BATCH, (TX_GAS_CAP - GAS_BASE) // GAS_PER_RECIPIENT))


def gas_limit(recipients: int) -> int:
    return min(TX_GAS_CAP, GAS_BASE + GAS_PER_RECIPIENT * recipients)


def make_plan(run_id: str, program_id: int, rows: Sequence[Row], batch_size: int) -> Plan:
    if not 1 <= batch_size <= MAX_BATCH:
        raise CivicError(f"batch size must be between 1 and {MAX_BATCH}, not {batch_size}")
    if not run_id or len(run_id) > 200:
        raise CivicError("a run id is a short name for this distribution, e.g. food-2027-jan")
    batches = tuple(
        Batch(
            index=i,
            batch_id=batch_id(run_id, program_id, batch_size, i),
            rows=tuple(rows[start : start + batch_size]),
        )
        for i, start in enumerate(range(0, len(rows), batch_size))
    )
    return Plan(run_id, program_id, batch_size, batches)


# --------------------------------------------------------------------------------------------
# What the chain already holds for a run


@dataclass(frozen=True)
class SentBatch:
    """A batch of the run found on chain, as its transaction carried it."""

    index: int
    batch_size: int
    tx_hash: str
    block: int
    recipients: tuple[str, ...]
    amounts: tuple[int, ...]


def sent_batches(
    w3: Web3,
    token: Contract,
    run_id: str,
    program_id: int,
    *,
    from_block: int = 0,
    log_chunk: int = DEFAULT_LOG_CHUNK,
) -> dict[int, SentBatch]:
    """Every batch of this run on chain, by index, read back from the chain alone."""
    tag = run_tag(run_id, program_id)
    logs = logs_in_chunks(
        w3,
        {
            "address": token.address,
            "topics": [
                "0x" + _BATCH_DISTRIBUTED.hex(),
                "0x" + program_id.to_bytes(32, "big").hex(),
            ],
        },
        from_block,
        log_chunk,
    )
    found: dict[int, SentBatch] = {}
    for log in logs:
        bid = bytes.fromhex(log["topics"][2][2:])
        run, size, index = split_batch_id(bid)
        if run != tag:
            continue
        recipients, amounts = _batch_contents(w3, token, log["transactionHash"], bid)
        found[index] = SentBatch(
            index=index,
            batch_size=size,
            tx_hash=log["transactionHash"],
            block=int(log["blockNumber"], 16),
            recipients=recipients,
            amounts=amounts,
        )
    return found


def _batch_contents(
    w3: Web3, token: Contract, tx_hash: str, bid: bytes
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Recipients and amounts of the batch `bid`: from the transaction's input when it called
    the token directly, else (a multisig, a batching contract) from the mint events it caused."""
    tx = w3.provider.make_request("eth_getTransactionByHash", [tx_hash])["result"]
    data = bytes.fromhex(tx["input"][2:])
    if (tx.get("to") or "").lower() == token.address.lower() and data[:4] == _SELECTOR:
        _, sent_id, recipients, amounts = abi_decode(_ARG_TYPES, data[4:])
        if bytes(sent_id) == bid:
            return tuple(Web3.to_checksum_address(a) for a in recipients), tuple(amounts)
    receipt = w3.provider.make_request("eth_getTransactionReceipt", [tx_hash])["result"]
    recipients_: list[str] = []
    amounts_: list[int] = []
    for log in receipt["logs"]:
        topics = [bytes.fromhex(t[2:]) for t in log["topics"]]
        if log["address"].lower() != token.address.lower():
            continue
        if topics[0] == _TRANSFER_SINGLE and topics[2] == _ZERO_TOPIC:
            recipients_.append(Web3.to_checksum_address(topics[3][12:]))
            amounts_.append(int.from_bytes(bytes.fromhex(log["data"][2:])[32:64], "big"))
        elif topics[0] == _BATCH_DISTRIBUTED:
            if topics[2] == bid:
                return tuple(recipients_), tuple(amounts_)
            recipients_, amounts_ = [], []
    raise CivicError(f"cannot read batch 0x{bid.hex()} back from transaction {tx_hash}")


def fixed_batch_size(found: dict[int, SentBatch], run_id: str) -> int | None:
    """The batch size the run was started with, as the chain records it."""
    sizes = {b.batch_size for b in found.values()}
    if len(sizes) > 1:
        raise RunMismatch(
            f"run '{run_id}' is on chain with two batch sizes ({', '.join(map(str, sorted(sizes)))}):"
            " two attempts cut it differently; stop and reconcile it before sending more"
        )
    return sizes.pop() if sizes else None


def check_sent(plan: Plan, found: dict[int, SentBatch]) -> None:
    """Refuse unless every batch on chain is exactly the planned batch of the same index."""
    for index in sorted(found):
        sent = found[index]
        if index >= len(plan.batches):
            raise RunMismatch(
                f"batch {index} of run '{plan.run_id}' is on chain (tx {sent.tx_hash}) but the rows "
                f"now given make only {len(plan.batches)} batches: rows were removed since the run "
                "started; restore the spreadsheet as it was (nothing was sent)"
            )
        batch = plan.batches[index]
        pairs = list(zip(sent.recipients, sent.amounts, strict=True))
        for position in range(max(len(pairs), len(batch.rows))):
            row = batch.rows[position] if position < len(batch.rows) else None
            on_chain = pairs[position] if position < len(pairs) else None
            if row is not None and on_chain == (row.address, row.amount):
                continue
            paid = f"paid {on_chain[0]} {on_chain[1]} tokens" if on_chain else "ended"
            now = (
                f"line {row.line} now says {row.address} {row.amount}"
                if row
                else "the rows now end before it (rows were removed)"
            )
            raise RunMismatch(
                f"the spreadsheet changed since run '{plan.run_id}' started: batch {index} on chain "
                f"(tx {sent.tx_hash}) {paid} at position {position + 1}, but {now}. Restore the "
                "rows as they were to resume (nothing was sent)"
            )


# --------------------------------------------------------------------------------------------
# Checks before anything is sent


def preflight(
    w3: Web3,
    distributor: str,
    token: Contract,
    plan: Plan,
    pending: Sequence[Batch],
    *,
    source: str,
    from_block: int = 0,
    log_chunk: int = DEFAULT_LOG_CHUNK,
) -> set[int]:
    """Check the program, the distributor and every pending row against the chain.

    Raises CivicError for what stops the whole run (role, pause, closed program, budget,
    escrow) and BadRows for every bad row at once. Returns the indexes of batches that hold a
    contract recipient (their gas is estimated, not bounded).
    """
    pid = plan.program_id
    try:
        terms = chain.call(token.functions.program(pid))
    except ContractError as exc:
        if exc.name == "ProgramNotFound":
            raise CivicError(
                f"program {pid} does not exist on BenefitToken {token.address}"
            ) from None
        raise
    face, budget, valid_until, cap, minted = terms[1], terms[2], terms[4], terms[7], terms[8]
    if not token.functions.hasRole(role_id("DISTRIBUTOR_ROLE"), distributor).call():
        raise CivicError(
            f"account {distributor} lacks DISTRIBUTOR_ROLE on BenefitToken {token.address}: "
            f"the city's admin grants it (`civic grant DISTRIBUTOR_ROLE {distributor}`)"
        )
    if token.functions.paused().call():
        raise CivicError("BenefitToken is paused: nothing can be distributed until it is unpaused")
    now = w3.eth.get_block("latest")["timestamp"]
    if now > valid_until:
        raise CivicError(
            f"program {pid} expired at {valid_until} (unix time): it takes no new tokens"
        )
    rows = [r for b in pending for r in b.rows]
    total = sum(r.amount for r in rows)
    if minted + total > budget:
        raise CivicError(
            f"the rows still to send total {total:,} tokens, but program {pid} has "
            f"{budget - minted:,} of its {budget:,} left: raise the budget or trim the rows"
        )
    escrow = token.functions.programEscrow(pid).call()
    capacity = escrow[0] - escrow[2]  # funded − withdrawn
    required = (minted + total) * face
    if required > capacity:
        raise CivicError(
            f"program {pid}'s escrow covers {capacity:,} units, but {minted + total:,} tokens at "
            f"face value {face:,} need {required:,}: fund it with {required - capacity:,} more "
            f"(`civic program fund {pid} {required - capacity}`)"
        )
    problems: list[tuple[int, str]] = []
    if cap:
        for row in rows:
            if row.amount > cap:
                problems.append(
                    (row.line, f"{row.amount} tokens is over the per-citizen cap of {cap}")
                )
        held = _balances(token, pid, [r.address for r in rows])
        for row, balance in zip(rows, held, strict=True):
            if row.amount <= cap < balance + row.amount:
                problems.append(
                    (
                        row.line,
                        f"{row.address} already holds {balance}; +{row.amount} passes the cap of {cap}",
                    )
                )
    merchants = _merchants(w3, token, from_block, log_chunk)
    for row in rows:
        if row.address in merchants:
            problems.append(
                (row.line, f"{row.address} is a merchant; merchants cannot receive benefits")
            )
    contracts = _with_code(w3, [r.address for r in rows])
    with_contracts: set[int] = set()
    for batch in pending:
        for row in batch.rows:
            if row.address not in contracts:
                continue
            with_contracts.add(batch.index)
            refusal = _simulate(
                w3, distributor, token, pid, keccak(text=f"probe:{row.line}"), [row]
            )
            if refusal is not None:
                problems.append((row.line, f"contract {row.address} refuses the tokens: {refusal}"))
    if problems:
        raise BadRows(source, problems)
    return with_contracts


def _balances(token: Contract, pid: int, addresses: list[str], chunk: int = 1000) -> list[int]:
    """balanceOfBatch in chunks, encoded and decoded with eth_abi (web3's call formatting costs
    more than the node's work for a thousand addresses)."""
    selector = function_signature_to_4byte_selector("balanceOfBatch(address[],uint256[])")
    out: list[int] = []
    for start in range(0, len(addresses), chunk):
        part = addresses[start : start + chunk]
        data = selector + abi_encode(["address[]", "uint256[]"], [part, [pid] * len(part)])
        response = token.w3.provider.make_request(
            "eth_call", [{"to": token.address, "data": "0x" + data.hex()}, "latest"]
        )
        if "error" in response:
            raise CivicError(f"balanceOfBatch refused by the node: {response['error']}")
        (values,) = abi_decode(["uint256[]"], bytes.fromhex(response["result"][2:]))
        out.extend(values)
    return out


def _merchants(w3: Web3, token: Contract, from_block: int, log_chunk: int) -> set[str]:
    """Every account ever onboarded as a merchant (suspended ones still count), from events."""
    topic = "0x" + event_abi_to_log_topic(token.events.MerchantOnboarded().abi).hex()
    logs = logs_in_chunks(w3, {"address": token.address, "topics": [topic]}, from_block, log_chunk)
    return {Web3.to_checksum_address("0x" + log["topics"][1][-40:]) for log in logs}


def _with_code(w3: Web3, addresses: list[str], chunk: int = 1000) -> set[str]:
    """The addresses that hold contract code (only they can refuse a mint), asked in JSON-RPC
    batches of `chunk`."""
    found: set[str] = set()
    for start in range(0, len(addresses), chunk):
        part = addresses[start : start + chunk]
        responses = w3.provider.make_batch_request([("eth_getCode", [a, "latest"]) for a in part])
        for address, response in zip(part, responses, strict=True):
            if "error" in response:
                raise CivicError(f"eth_getCode refused by the node: {response['error']}")
            if response["result"] not in ("0x", "0x0", None):
                found.add(address)
    return found


def _simulate(
    w3: Web3,
    sender: str,
    token: Contract,
    pid: int,
    bid: bytes,
    rows: Sequence[Row],
    gas: int | None = None,
) -> ContractError | None:
    """eth_call a distribution of `rows`; the decoded refusal, or None if it would succeed."""
    data = _SELECTOR + abi_encode(
        _ARG_TYPES, [pid, bid, [r.address for r in rows], [r.amount for r in rows]]
    )
    call = {"from": sender, "to": token.address, "data": "0x" + data.hex()}
    if gas:
        call["gas"] = hex(gas)
    response = w3.provider.make_request("eth_call", [call, "latest"])
    if "error" not in response:
        return None
    error = response["error"]
    data_ = error.get("data")
    if isinstance(data_, dict):
        data_ = data_.get("result") or data_.get("data")
    decoded = (
        chain.decode_revert(data_) if isinstance(data_, str) and data_.startswith("0x") else None
    )
    return decoded or ContractError(
        "Error", (error.get("message"),), {"message": error.get("message")}
    )


# --------------------------------------------------------------------------------------------
# The journal next to the spreadsheet: adds to what the chain says, never replaces it


@dataclass
class Journal:
    """What this machine sent for a run: the batch size, and each transaction before it was
    broadcast (hash and nonce), so that a kill between send and receipt leaves a trace.

    One file per spreadsheet and run id, holding one section per chain and token (`scope`), so
    a rehearsal on a test chain never speaks for the live one."""

    path: Path | None
    scope: str = ""
    batch_size: int | None = None
    sent: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path | None, scope: str = "") -> Journal:
        section = cls._read(path).get(scope, {})
        return cls(
            path,
            scope,
            batch_size=section.get("batchSize"),
            sent={int(k): v for k, v in section.get("sent", {}).items()},
        )

    @staticmethod
    def _read(path: Path | None) -> dict[str, Any]:
        if path is None or not path.exists():
            return {}
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            raise CivicError(
                f"journal {path} is damaged: move it away (the chain still knows "
                "every batch sent) and run again"
            ) from None

    def record(self, index: int, tx_hash: str, nonce: int) -> None:
        self.sent.setdefault(index, []).append({"tx": tx_hash, "nonce": nonce})
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        data = self._read(self.path)
        data[self.scope] = {"batchSize": self.batch_size, "sent": self.sent}
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path)


def journal_path(spreadsheet: str | Path, run_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    path = Path(spreadsheet)
    return path.with_name(f"{path.name}.{safe}.journal.json")


# --------------------------------------------------------------------------------------------
# The run


@dataclass
class Report:
    run_id: str
    program_id: int
    batch_size: int
    batches: int
    rows: int
    total: int
    already_on_chain: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    tx_hashes: list[str] = field(default_factory=list)
    gas_used: int = 0
    seconds: float = 0.0
    receipts: list[tuple[int, str, int, str, int]] = field(default_factory=list)
    dry_run: bool = False
    gas_limit_total: int = 0

    @property
    def paid_now(self) -> int:
        return sum(1 for r in self.receipts if r[1] in self.sent)

    def write_receipts(self, path: str | Path, rows: Sequence[Row]) -> None:
        """A CSV of every row with the batch, transaction and block that paid it."""
        by_line = {r.line: r for r in rows}
        with Path(path).open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["line", "address", "amount", "batch", "tx", "block"])
            for line, index, _, tx_hash, block in sorted(self.receipts):
                row = by_line[line]
                out.writerow([line, row.address, row.amount, index, tx_hash, block])


class DistributionStopped(CivicError):
    """A batch failed on chain; what was paid before it stays paid, and a re-run resumes."""


Progress = Callable[[str, Batch, Any], None]


def distribute(
    w3: Web3,
    distributor: LocalAccount,
    token: Contract,
    program_id: int,
    rows: Sequence[Row] | Sequence[tuple[str, int]],
    *,
    run_id: str,
    batch_size: int | None = None,
    from_block: int = 0,
    journal: Path | None = None,
    source: str = "the rows",
    window: int = 8,
    log_chunk: int = DEFAULT_LOG_CHUNK,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Distribute `rows` of program `program_id` as run `run_id`; run it again to resume.

    The batch size is the one on chain for this run if any batch is there, else the journal's,
    else `batch_size`, else `default_batch_size()`. Batches on chain are checked against the
    rows; bad rows are reported all at once; nothing is sent until every check passes.
    `from_block` bounds the log search (the BenefitToken's deployment block).
    """
    started = time.monotonic()
    rows = as_rows(rows)
    found = sent_batches(w3, token, run_id, program_id, from_block=from_block, log_chunk=log_chunk)
    on_chain_size = fixed_batch_size(found, run_id)
    book = Journal.open(journal, f"{w3.eth.chain_id}:{token.address}")
    size = _choose_batch_size(run_id, on_chain_size, book.batch_size, batch_size)
    plan = make_plan(run_id, program_id, rows, size)
    check_sent(plan, found)

    report = Report(
        run_id=run_id,
        program_id=program_id,
        batch_size=size,
        batches=len(plan.batches),
        rows=len(rows),
        total=sum(r.amount for r in rows),
        already_on_chain=sorted(found),
        dry_run=dry_run,
    )
    for index, sent in sorted(found.items()):
        for row in plan.batches[index].rows:
            report.receipts.append((row.line, index, row.address, sent.tx_hash, sent.block))
        if progress:
            progress("on-chain", plan.batches[index], sent.tx_hash)

    sender_address = distributor.address
    pending_from_journal = _still_pending(w3, book, found)
    todo = [b for b in plan.batches if b.index not in found and b.index not in pending_from_journal]
    contract_batches = (
        preflight(
            w3,
            sender_address,
            token,
            plan,
            todo + [plan.batches[i] for i in pending_from_journal],
            source=source,
            from_block=from_block,
            log_chunk=log_chunk,
        )
        if (todo or pending_from_journal)
        else set()
    )
    limits = {b.index: gas_limit(len(b.rows)) for b in todo}
    if todo:
        first = todo[0]
        refusal = _simulate(
            w3, sender_address, token, program_id, first.batch_id, first.rows, limits[first.index]
        )
        if refusal is not None and first.index not in contract_batches:
            raise CivicError(f"batch {first.index} ({first.lines}) would be refused: {refusal}")
        for index in contract_batches & set(limits):
            batch = plan.batches[index]
            estimate = token.functions.distribute(
                program_id, batch.batch_id, batch.recipients, batch.amounts
            ).estimate_gas({"from": sender_address})
            limits[index] = min(TX_GAS_CAP, int(estimate * CONTRACT_BATCH_MARGIN))
    report.gas_limit_total = sum(limits.values())
    if dry_run:
        report.seconds = time.monotonic() - started
        return report

    if book.path is not None:
        book.batch_size = size
        book.save()
    sender = PipelinedSender(
        w3,
        distributor,
        window=window,
        on_sent=lambda item, tx_hash: book.record(item.tag, tx_hash, item.nonce),
    )
    for index, (tx_hash, nonce) in pending_from_journal.items():
        batch = plan.batches[index]
        sender.adopt(
            index, nonce, token.address, plan.calldata(batch), gas_limit(len(batch.rows)), tx_hash
        )

    failure: tuple[Batch, Mined] | None = None

    def settle(mined_list: list[Mined]) -> None:
        nonlocal failure
        for mined in mined_list:
            batch = plan.batches[mined.tag]
            if mined.status != 1:
                failure = failure or (batch, mined)
                continue
            report.sent.append(batch.index)
            report.tx_hashes.append(mined.tx_hash)
            report.gas_used += mined.gas_used
            for row in batch.rows:
                report.receipts.append(
                    (row.line, batch.index, row.address, mined.tx_hash, mined.block_number)
                )
            if progress:
                progress("mined", batch, mined)

    for batch in todo:
        if failure:
            break
        item = sender.send(batch.index, token.address, plan.calldata(batch), limits[batch.index])
        if progress:
            progress("sent", batch, item.hashes[-1])
        settle(sender.collect())
    settle(sender.drain())
    report.seconds = time.monotonic() - started
    if failure:
        _raise_stopped(w3, sender_address, token, plan, report, *failure)
    return report


def _choose_batch_size(
    run_id: str, on_chain: int | None, journaled: int | None, asked: int | None
) -> int:
    if on_chain is not None:
        if asked is not None and asked != on_chain:
            raise RunMismatch(
                f"run '{run_id}' was started with batches of {on_chain}; resume it with "
                f"--batch-size {on_chain} or without --batch-size"
            )
        return on_chain
    if journaled is not None:
        if asked is not None and asked != journaled:
            raise RunMismatch(
                f"run '{run_id}' was started on this machine with batches of {journaled} (see its "
                f"journal); resume it with --batch-size {journaled} or without --batch-size"
            )
        return journaled
    return asked if asked is not None else default_batch_size()


def _still_pending(
    w3: Web3, book: Journal, found: dict[int, SentBatch]
) -> dict[int, tuple[str, int]]:
    """Batches an earlier attempt sent that are neither on chain nor dropped: still in a
    mempool. They are waited for (and re-priced if stuck), never sent again under a new nonce."""
    pending: dict[int, tuple[str, int]] = {}
    for index, sends in book.sent.items():
        if index in found:
            continue
        for sent in reversed(sends):
            tx = w3.provider.make_request("eth_getTransactionByHash", [sent["tx"]]).get("result")
            if tx and tx.get("blockNumber") is None:
                pending[index] = (sent["tx"], int(sent["nonce"]))
                break
    return pending


def _raise_stopped(
    w3: Web3, sender: str, token: Contract, plan: Plan, report: Report, batch: Batch, mined: Mined
) -> None:
    reason = _simulate(w3, sender, token, plan.program_id, batch.batch_id, batch.rows)
    paid = len(report.receipts)
    if reason is not None and reason.name == "BatchAlreadyDistributed":
        raise DistributionStopped(
            f"batch {batch.index} was sent twice (another attempt of run '{plan.run_id}' is "
            "running?); nobody was paid twice. Run again to check and finish"
        )
    raise TransactionFailed(
        f"batch {batch.index} ({batch.lines}) failed in tx {mined.tx_hash}: "
        f"{reason or 'no reason given'}. {paid:,} of {plan.rows:,} citizens are paid; fix the "
        f"cause and run again with --run-id {plan.run_id} to pay the rest"
    )
