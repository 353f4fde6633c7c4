"""The transparency report: one self-contained HTML page for the council and the public.

What it shows, read from contract state and event logs alone:

- each program's budget, minted, redeemed and expired tokens (`benefits.program`);
- escrow backing: each program's escrow against the face value of its outstanding tokens, and
  the stablecoin the BenefitToken contract holds against the sum of the escrows;
- spending over time: the settlements (`TokenUnwrapForTarget`: merchant redemptions and
  citizens' signed payments), by the timestamps of their blocks;
- spending by merchant category and district: citizens' payments to merchants (wallet transfers
  to an onboarded merchant, and signed payments), the merchant's category and district taken
  from its `MerchantOnboarded` record at the time of the payment;
- land registry activity: the registry's events (`land.PARCEL_EVENTS`) counted over time.

Anonymity (seed slide 24): no address of a citizen, parcel owner or merchant is written, only
the suite's contract addresses and transaction hashes. Every group of payments with fewer than
`min_group` payments (a category × district cell; a time bucket of settlements) is not shown on
its own: cells are merged into "other", time buckets into the next bucket. "other" itself is
shown only when it reaches `min_group`, and the by-category and by-district views add up the
shown cells only, so that no hidden cell can be recovered by subtraction.

Charts are drawn by matplotlib's SVG backend and embedded inline: the page loads nothing, and
opens from disk. Every figure lists its transactions, linked to the chain's explorer when one is
known (`networks.tx_link`); on a dev chain the hashes are shown without a link.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_utils import event_abi_to_log_topic
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.datastructures import AttributeDict

from civicledger import benefits, chain, land, networks
from civicledger.benefits import MerchantCategory, ProgramFigures
from civicledger.errors import CivicError
from civicledger.logs import DEFAULT_LOG_CHUNK, read_logs

DEFAULT_MIN_GROUP = 10
TX_LIST_CAP = 200  # transactions listed per figure; the rest are counted
_ZERO = "0x" + "00" * 20

# --------------------------------------------------------------------------------------------
# What is read from the chain


@dataclass(frozen=True)
class Payment:
    """A citizen paid a merchant: a wallet transfer to it, or a signed payment it was paid for.
    The citizen's address is not kept."""

    block: int
    tx: str
    category: int | None  # None: the payout is shared by merchants of different categories
    district: int | None
    value: int  # settlement-token units
    signed: bool


@dataclass(frozen=True)
class Settlement:
    """Tokens burnt and paid out of escrow (`TokenUnwrapForTarget`)."""

    block: int
    tx: str
    timestamp: int
    program_values: tuple[tuple[int, int, int], ...]  # (program id, tokens, value)
    signed: bool  # a citizen's signed payment; else a merchant's redemption

    @property
    def value(self) -> int:
        return sum(v for _, _, v in self.program_values)


@dataclass(frozen=True)
class LandEvent:
    block: int
    tx: str
    timestamp: int
    event: str


@dataclass
class ProgramTxs:
    """The transactions behind each of a program's figures."""

    created: list[str] = field(default_factory=list)
    funded: list[str] = field(default_factory=list)
    minted: list[str] = field(default_factory=list)
    redeemed: list[str] = field(default_factory=list)
    reclaimed: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)


@dataclass
class ReportData:
    chain_id: int
    head_block: int
    head_time: int
    contracts: dict[str, str]
    from_blocks: dict[str, int]
    symbol: str
    decimals: int
    contract_balance: int  # stablecoin held by the BenefitToken contract
    programs: list[ProgramFigures]
    program_txs: dict[int, ProgramTxs]
    payments: list[Payment]
    settlements: list[Settlement]
    land_events: list[LandEvent] | None  # None: no registry deployed


def collect(
    w3: Web3,
    token: Contract,
    registry: Contract | None,
    *,
    from_blocks: Mapping[str, int],
    log_chunk: int = DEFAULT_LOG_CHUNK,
) -> ReportData:
    """Read everything the report shows, from block `from_blocks[name]` of each contract to the
    head, `log_chunk` blocks per log request."""
    head = w3.eth.block_number
    head_time = w3.eth.get_block(head)["timestamp"]
    coin = chain.at(w3, "DevStablecoin", token.functions.settlementToken().call())
    count = token.functions.programCount().call()
    programs = [benefits.program(token, pid) for pid in range(1, count + 1)]
    face = {p.program_id: p.face_value for p in programs}

    start = int(from_blocks.get("BenefitToken", 0))
    names = (
        "ProgramCreated",
        "ProgramFunded",
        "BatchDistributed",
        "TokenUnwrapForTarget",
        "TokensReclaimed",
        "PBMrevokeWithdraw",
        "MerchantOnboarded",
    )
    decoders = _decoders(token, names + ("TransferSingle", "TransferBatch"))
    logs = _read(w3, token.address, [[_topic(token, n) for n in names]], start, head, log_chunk)
    merchants = {
        "0x" + log["topics"][1].hex()[-40:]
        for log in logs
        if log["topics"][0] == HexBytes(_topic(token, "MerchantOnboarded"))
    }
    # Only transfers *to* a merchant are payments: one query per 200 merchants (topic OR-lists
    # stay short for providers), never the millions of mint transfers.
    merchant_topics = sorted("0x" + "00" * 12 + m[2:].lower() for m in merchants)
    transfers = [_topic(token, "TransferSingle"), _topic(token, "TransferBatch")]
    for i in range(0, len(merchant_topics), 200):
        part = merchant_topics[i : i + 200]
        logs += _read(w3, token.address, [transfers, None, None, part], start, head, log_chunk)
    logs.sort(key=lambda log: (log["blockNumber"], log["logIndex"]))

    txs: dict[int, ProgramTxs] = defaultdict(ProgramTxs)
    records: dict[str, tuple[int, int, str]] = {}  # merchant → (category, district, payout)
    payments: list[Payment] = []
    unwraps: list[tuple[dict[str, Any], Any]] = []
    for log in logs:
        name, args = _decode(decoders, log)
        tx = "0x" + bytes(log["transactionHash"]).hex()
        if name == "MerchantOnboarded":
            records[args["merchant"].lower()] = (
                args["category"],
                args["district"],
                args["payout"].lower(),
            )
        elif name == "ProgramCreated":
            txs[args["programId"]].created.append(tx)
        elif name == "ProgramFunded":
            txs[args["programId"]].funded.append(tx)
        elif name == "BatchDistributed":
            txs[args["programId"]].minted.append(tx)
        elif name == "TokensReclaimed":
            txs[args["programId"]].reclaimed.append(tx)
        elif name == "PBMrevokeWithdraw":
            txs[args["PBMTokenId"]].withdrawn.append(tx)
        elif name in ("TransferSingle", "TransferBatch"):
            sender, to = args["from"].lower(), args["to"].lower()
            if sender == _ZERO or sender in records or to not in records:
                continue  # a mint, a merchant's own transfer, or not (yet) a merchant
            ids, amounts = (
                ([args["id"]], [args["value"]])
                if name == "TransferSingle"
                else (args["ids"], args["values"])
            )
            value = sum(a * face.get(i, 0) for i, a in zip(ids, amounts, strict=True))
            category, district, _ = records[to]
            payments.append(Payment(log["blockNumber"], tx, category, district, value, False))
        elif name == "TokenUnwrapForTarget":
            payer, payout = args["from"].lower(), args["to"].lower()
            signed = payer not in records
            unwraps.append((log, args))
            for pid in args["tokenIds"]:
                txs[pid].redeemed.append(tx)
            if signed:
                # A signed payment names the citizen and the merchant's payout: the merchants
                # paying into that payout tell its category and district.
                cells = {(c, d) for c, d, p in records.values() if p == payout}
                category, district = cells.pop() if len(cells) == 1 else (None, None)
                payments.append(
                    Payment(log["blockNumber"], tx, category, district, args["sovTokenValue"], True)
                )

    land_logs: list[dict[str, Any]] = []
    land_decoders: dict[bytes, tuple[str, Any]] = {}
    if registry is not None:
        land_topics = [_topic(registry, n) for n in land.PARCEL_EVENTS]
        land_decoders = _decoders(registry, land.PARCEL_EVENTS)
        land_start = int(from_blocks.get("LandRegistry", 0))
        land_logs = _read(w3, registry.address, [land_topics], land_start, head, log_chunk)

    times = _timestamps(
        w3, {log["blockNumber"] for log, _ in unwraps} | {log["blockNumber"] for log in land_logs}
    )
    settlements = [
        Settlement(
            block=log["blockNumber"],
            tx="0x" + bytes(log["transactionHash"]).hex(),
            timestamp=times[log["blockNumber"]],
            program_values=tuple(
                (pid, amount, amount * face.get(pid, 0))
                for pid, amount in zip(args["tokenIds"], args["amounts"], strict=True)
            ),
            signed=args["from"].lower() not in records,
        )
        for log, args in unwraps
    ]
    land_events = (
        None
        if registry is None
        else [
            LandEvent(
                block=log["blockNumber"],
                tx="0x" + bytes(log["transactionHash"]).hex(),
                timestamp=times[log["blockNumber"]],
                event=_decode(land_decoders, log)[0],
            )
            for log in land_logs
        ]
    )
    contracts = {"BenefitToken": token.address, "Settlement token": coin.address}
    if registry is not None:
        contracts["LandRegistry"] = registry.address
    return ReportData(
        chain_id=w3.eth.chain_id,
        head_block=head,
        head_time=head_time,
        contracts=contracts,
        from_blocks={k: int(v) for k, v in from_blocks.items()},
        symbol=coin.functions.symbol().call(),
        decimals=coin.functions.decimals().call(),
        contract_balance=coin.functions.balanceOf(token.address).call(),
        programs=programs,
        program_txs=dict(txs),
        payments=payments,
        settlements=settlements,
        land_events=land_events,
    )


def _topic(contract: Contract, name: str) -> str:
    return "0x" + event_abi_to_log_topic(getattr(contract.events, name)().abi).hex()


def _decoders(contract: Contract, names: Iterable[str]) -> dict[bytes, tuple[str, Any]]:
    return {bytes(HexBytes(_topic(contract, n))): (n, getattr(contract.events, n)()) for n in names}


def _decode(decoders: Mapping[bytes, tuple[str, Any]], log: Mapping[str, Any]) -> tuple[str, Any]:
    name, event = decoders[bytes(log["topics"][0])]
    return name, event.process_log(log)["args"]


def _read(
    w3: Web3, address: str, topics: list[Any], start: int, head: int, chunk: int
) -> list[AttributeDict]:
    return read_logs(w3, {"address": address, "topics": topics}, start, chunk, to_block=head)


def _timestamps(w3: Web3, blocks: set[int], chunk: int = 500) -> dict[int, int]:
    """{block: timestamp}, asked in JSON-RPC batches of `chunk`."""
    out: dict[int, int] = {}
    ordered = sorted(blocks)
    for i in range(0, len(ordered), chunk):
        part = ordered[i : i + chunk]
        responses = w3.provider.make_batch_request(
            [("eth_getBlockByNumber", [hex(b), False]) for b in part]
        )
        for block, response in zip(part, responses, strict=True):
            if "error" in response or not response.get("result"):
                raise CivicError(f"block {block} could not be read: {response.get('error')}")
            out[block] = int(response["result"]["timestamp"], 16)
    return out


# --------------------------------------------------------------------------------------------
# Anonymity: small groups never show


@dataclass
class Group:
    """Payments (or settlements) counted together: how many, their value, their transactions."""

    label: str
    count: int = 0
    value: int = 0
    txs: list[str] = field(default_factory=list)
    key: Any = None

    def add(self, value: int, tx: str) -> None:
        self.count += 1
        self.value += value
        self.txs.append(tx)


@dataclass
class Grouping:
    """Groups as the report may show them: those of at least `min_group`, and "other"."""

    shown: list[Group]
    other: Group  # the merged small groups; shown only if it reaches min_group
    hidden_groups: int
    min_group: int

    @property
    def other_shown(self) -> bool:
        return self.other.count >= self.min_group


def merge_small_groups(groups: Iterable[Group], min_group: int) -> Grouping:
    """Keep groups of at least `min_group`, largest value first; merge the rest into "other"."""
    shown: list[Group] = []
    other = Group("other")
    hidden = 0
    for group in groups:
        if group.count >= min_group:
            shown.append(group)
        else:
            hidden += 1
            other.count += group.count
            other.value += group.value
            other.txs += group.txs
    shown.sort(key=lambda g: (-g.value, g.label))
    return Grouping(shown, other, hidden, min_group)


def merge_small_buckets(buckets: Sequence[Group], min_group: int) -> list[Group]:
    """Consecutive time buckets merged forward until each holds at least `min_group`; a short
    tail joins the last bucket. Fewer than `min_group` in all: nothing."""
    merged: list[Group] = []
    pending: list[Group] = []
    for bucket in buckets:
        pending.append(bucket)
        if sum(b.count for b in pending) >= min_group:
            merged.append(_join(pending))
            pending = []
    if pending and merged:
        merged[-1] = _join([merged[-1], *pending])
    return merged


def _join(groups: Sequence[Group]) -> Group:
    first, last = groups[0].key, groups[-1].key
    label = groups[0].label if len(groups) == 1 else f"{first[1]} – {last[2]}"
    out = Group(label, key=(first[0], first[1], last[2]))
    for g in groups:
        out.count += g.count
        out.value += g.value
        out.txs += g.txs
    return out


def spending_cells(payments: Iterable[Payment]) -> list[Group]:
    """Citizens' payments by merchant category × district."""
    cells: dict[tuple[int | None, int | None], Group] = {}
    for p in payments:
        key = (p.category, p.district)
        if key not in cells:
            cells[key] = Group(_cell_label(p.category, p.district), key=key)
        cells[key].add(p.value, p.tx)
    return list(cells.values())


def _category_name(category: int | None) -> str:
    if category is None:
        return "shared payout"
    try:
        return MerchantCategory(category).name.replace("_", " ").lower()
    except ValueError:
        return f"category {category}"


def _cell_label(category: int | None, district: int | None) -> str:
    if category is None:
        return "merchants sharing a payout"
    return f"{_category_name(category)} · district {district}"


def rollup(grouping: Grouping, part: int, label: Callable[[Any], str]) -> list[Group]:
    """The shown cells added up by one part of their key (0: category, 1: district), plus
    "other" when it may be shown: totals of what is shown, never of what is hidden."""
    out: dict[Any, Group] = {}
    for cell in grouping.shown:
        k = cell.key[part]
        if k not in out:
            out[k] = Group(label(k), key=k)
        out[k].count += cell.count
        out[k].value += cell.value
        out[k].txs += cell.txs
    groups = sorted(out.values(), key=lambda g: (-g.value, g.label))
    if grouping.other_shown:
        groups.append(grouping.other)
    return groups


# --------------------------------------------------------------------------------------------
# Time buckets


_UNITS = (
    ("minute", 60),
    ("hour", 3600),
    ("day", 86400),
    ("week", 7 * 86400),
    ("month", 31 * 86400),
    ("year", 366 * 86400),
)


def bucket_unit(timestamps: Sequence[int], most: int = 40) -> str:
    """The smallest unit that puts the span of `timestamps` in at most `most` buckets."""
    span = max(timestamps) - min(timestamps) if timestamps else 0
    for unit, seconds in _UNITS:
        if span / seconds <= most:
            return unit
    return "year"


def bucket_of(timestamp: int, unit: str) -> tuple[int, str, str]:
    """(start as unix time, label of its start, label of its end) of the bucket holding it."""
    t = datetime.fromtimestamp(timestamp, UTC)
    if unit == "minute":
        start = t.replace(second=0, microsecond=0)
        return int(start.timestamp()), f"{start:%Y-%m-%d %H:%M}", f"{start:%H:%M}"
    if unit == "hour":
        start = t.replace(minute=0, second=0, microsecond=0)
        return int(start.timestamp()), f"{start:%Y-%m-%d %H:00}", f"{start:%H:59}"
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return int(day.timestamp()), f"{day:%Y-%m-%d}", f"{day:%m-%d}"
    if unit == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
        return int(start.timestamp()), f"week of {start:%Y-%m-%d}", f"{end:%m-%d}"
    if unit == "month":
        start = day.replace(day=1)
        return int(start.timestamp()), f"{start:%Y-%m}", f"{start:%Y-%m}"
    start = day.replace(month=1, day=1)
    return int(start.timestamp()), f"{start:%Y}", f"{start:%Y}"


def time_buckets(items: Iterable[tuple[int, int, str]], unit: str) -> list[Group]:
    """(timestamp, value, tx) items counted per bucket of `unit`, in time order."""
    out: dict[int, Group] = {}
    for timestamp, value, tx in items:
        key = bucket_of(timestamp, unit)
        if key[0] not in out:
            out[key[0]] = Group(key[1], key=key)
        out[key[0]].add(value, tx)
    return [out[k] for k in sorted(out)]


# --------------------------------------------------------------------------------------------
# Charts: matplotlib's SVG backend, inline

_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: searchable, readable by screen readers
            "font.family": "sans-serif",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
        }
    )
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig, name: str, title: str) -> str:
    """The figure as an inline <svg>: no XML prolog, no metadata, ids unique to this chart,
    sized by the page (its viewBox keeps the proportions)."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": f"civicledger-{name}"}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", svg, count=1)
    svg = svg.replace(
        "<svg ",
        f'<svg class="chart" data-chart="{name}" role="img" aria-label="{_esc(title)}" ',
        1,
    )
    return f"<figure><figcaption>{_esc(title)}</figcaption>{svg}</figure>"


def _text(label: str) -> str:
    """A label for matplotlib: '$' would start mathtext."""
    return label.replace("$", r"\$")


def _hbars(
    name: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    unit: str,
    notes: Sequence[str] | None = None,
    inches: float = 8,
) -> str:
    """Horizontal grouped bars: one row per label, one bar per series."""
    rows, width = len(labels), 0.8 / max(1, len(series))
    fig = _figure(inches, 0.9 + 0.2 * rows * len(series) + 0.15 * rows)
    ax = fig.add_subplot()
    for s, (series_name, values) in enumerate(series):
        ys = [r + (s - (len(series) - 1) / 2) * width for r in range(rows)]
        bars = ax.barh(ys, values, height=width * 0.92, color=_PALETTE[s % 7], label=series_name)
        if notes is not None and s == 0:
            ax.bar_label(bars, labels=[_text(n) for n in notes], padding=3, fontsize=8)
        elif len(series) > 1:
            ax.bar_label(bars, fmt="{:,.0f}", padding=3, fontsize=8)
    ax.set_yticks(range(rows), [_text(label) for label in labels])
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.margins(x=0.15)
    ax.xaxis.set_major_formatter("{x:,.0f}")
    if len(series) > 1:
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    svg = _svg(fig, name, title)
    return svg


def _time_chart(name: str, title: str, buckets: Sequence[Group], scale: int, unit: str) -> str:
    fig = _figure(8, 3.4)
    ax = fig.add_subplot()
    xs = list(range(len(buckets)))
    values = [b.value / scale for b in buckets]
    ax.bar(xs, values, width=0.6, color=_PALETTE[0], label=f"paid out in the period ({unit})")
    ax.set_xlim(-0.75, max(len(xs), 4) - 0.25)
    ax.set_ylabel(unit)
    ax.yaxis.set_major_formatter("{x:,.0f}")
    total = ax.twinx()
    cumulative, running = [], 0.0
    for v in values:
        running += v
        cumulative.append(running)
    total.plot(xs, cumulative, color=_PALETTE[3], marker="o", label="cumulative")
    total.set_ylabel(f"cumulative ({unit})")
    total.yaxis.set_major_formatter("{x:,.0f}")
    total.set_ylim(bottom=0)
    total.spines["right"].set_visible(True)
    ax.set_xticks(xs, [_text(b.label) for b in buckets], rotation=30 if len(xs) > 4 else 0)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right" if len(xs) > 4 else "center")
    handles = ax.get_legend_handles_labels()[0] + total.get_legend_handles_labels()[0]
    ax.legend(
        handles,
        [h.get_label() for h in handles],
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=2,
        frameon=False,
    )
    return _svg(fig, name, title)


def _stacked_counts(
    name: str, title: str, columns: Sequence[str], stacks: Mapping[str, Sequence[int]]
) -> str:
    fig = _figure(8, 3.6)
    ax = fig.add_subplot()
    xs = list(range(len(columns)))
    bottom = [0] * len(columns)
    for i, (label, counts) in enumerate(stacks.items()):
        ax.bar(xs, counts, width=0.6, bottom=bottom, color=_PALETTE[i % 7], label=_text(label))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_xticks(xs, [_text(c) for c in columns], rotation=30 if len(xs) > 4 else 0)
    ax.set_ylabel("events")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(-0.75, max(len(xs), 4) - 0.25)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return _svg(fig, name, title)


# --------------------------------------------------------------------------------------------
# The page


_LAND_WORDS = {
    "ParcelRegistered": "parcels registered",
    "ParcelRetired": "parcels retired (subdivided or merged)",
    "TransferProposed": "sales proposed",
    "TransferAccepted": "sales accepted by the buyer",
    "TransferCancelled": "sales cancelled",
    "TransferConsented": "lender consents to a sale",
    "TitleTransferred": "titles transferred",
    "LenderAuthorized": "lenders authorized",
    "LienAdded": "liens added",
    "LienReleased": "liens released",
    "ParcelFreezeOrdered": "court freezes ordered",
    "ParcelFreezeLifted": "court freezes lifted",
    "DocumentAttached": "documents attached",
}


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


class _Page:
    def __init__(self, data: ReportData, min_group: int) -> None:
        self.data, self.min_group = data, min_group
        self.scale = 10**data.decimals
        self.explorer = networks.EXPLORERS.get(data.chain_id)

    def money(self, units: int) -> str:
        value = Decimal(units) / self.scale
        return f"{value:,.2f}"

    def tx(self, tx_hash: str) -> str:
        link = networks.tx_link(self.data.chain_id, tx_hash)
        code = f"<code>{_esc(tx_hash)}</code>"
        return f'<a href="{_esc(link)}">{code}</a>' if link else code

    def address(self, address: str) -> str:
        code = f"<code>{_esc(address)}</code>"
        if self.explorer:
            return f'<a href="{_esc(self.explorer)}/address/{_esc(address)}">{code}</a>'
        return code

    def txs(self, hashes: Sequence[str], what: str = "transaction") -> str:
        """A folded list of a figure's transactions."""
        hashes = list(dict.fromkeys(hashes))
        if not hashes:
            return ""
        items = "".join(f"<li>{self.tx(h)}</li>" for h in hashes[:TX_LIST_CAP])
        more = len(hashes) - TX_LIST_CAP
        if more > 0:
            items += f'<li class="more">… and {more:,} more (in the contract\'s event log)</li>'
        plural = what if len(hashes) == 1 else what + ("es" if what.endswith("ch") else "s")
        return (
            f'<details class="txs"><summary>{len(hashes):,} {plural}</summary>'
            f"<ul>{items}</ul></details>"
        )

    # ------------------------------------------------------------------ sections

    def header(self) -> str:
        d = self.data
        as_of = datetime.fromtimestamp(d.head_time, UTC).strftime("%Y-%m-%d %H:%M UTC")
        contracts = "".join(
            f"<li>{_esc(name)}: {self.address(address)}"
            + (
                f" (events read from block {d.from_blocks[name]:,})"
                if name in d.from_blocks
                else ""
            )
            + "</li>"
            for name, address in d.contracts.items()
        )
        links = (
            f'Transaction hashes link to <a href="{_esc(self.explorer)}">{_esc(self.explorer)}</a>.'
            if self.explorer
            else "This chain has no public explorer: transaction hashes are shown without links."
        )
        return f"""
<header>
  <h1>CivicLedger transparency report</h1>
  <p class="lead">Benefit programs, their escrow and their spending, and the land title
  registry, as recorded on chain {d.chain_id}. Figures as of block {d.head_block:,}
  ({as_of}); amounts of money in {_esc(d.symbol)}.</p>
  <ul class="contracts">{contracts}</ul>
  <p class="note">{links} Every figure below is read from the contracts' state or rebuilt from
  their event logs; anyone can check it against the chain.</p>
</header>"""

    def programs(self) -> str:
        d = self.data
        if not d.programs:
            return _section("programs", "Programs", "<p>No program has been created yet.</p>")
        rows = []
        for p in d.programs:
            t = d.program_txs.get(p.program_id, ProgramTxs())
            state = "closed" if p.closed else "open"
            rows.append(
                f'<tr data-program="{p.program_id}">'
                f"<td>{p.program_id}</td><td>{_esc(p.name)}<br><small>"
                f"{_esc(_program_category(p.category))}, {state}, one token = "
                f"{self.money(p.face_value)} {_esc(d.symbol)}</small><br>"
                f"{self.txs(t.created, 'creation')}</td>"
                + _num("budget", p.budget)
                + _num("minted", p.minted, self.txs(t.minted, "distribution batch"))
                + _num("redeemed", p.redeemed, self.txs(t.redeemed, "settlement"))
                + _num("reclaimed", p.reclaimed, self.txs(t.reclaimed, "reclaim"))
                + _num("expired", p.expired)
                + _num("outstanding", p.outstanding)
                + "</tr>"
            )
        table = (
            '<table class="figures" id="programs-table"><thead><tr><th class="text">#</th>'
            '<th class="text">program</th>'
            "<th>budget</th><th>minted</th><th>redeemed</th><th>reclaimed</th><th>expired</th>"
            "<th>outstanding</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
        labels = [f"#{p.program_id} {p.name}" for p in d.programs]
        chart = _hbars(
            "programs",
            "Tokens per program: budget, minted, redeemed, expired",
            labels,
            [
                ("budget", [p.budget for p in d.programs]),
                ("minted", [p.minted for p in d.programs]),
                ("redeemed", [p.redeemed for p in d.programs]),
                ("expired", [p.expired for p in d.programs]),
            ],
            "tokens",
        )
        body = (
            "<p>A program's <b>budget</b> is the most tokens it may ever mint; <b>minted</b> went "
            "to citizens in distribution batches; <b>redeemed</b> were spent and paid out to "
            "merchants; <b>expired</b> are tokens still in wallets after the redemption window "
            "closed (worth nothing any more); <b>reclaimed</b> expired tokens were burnt by the "
            "treasury.</p>" + _figure_html(chart) + table
        )
        return _section("programs", "Programs: budget, minted, redeemed, expired", body)

    def escrow(self) -> str:
        d = self.data
        if not d.programs:
            return ""
        sym = _esc(d.symbol)
        rows = []
        for p in d.programs:
            t = d.program_txs.get(p.program_id, ProgramTxs())
            backed = p.escrow_balance >= p.outstanding_value
            rows.append(
                f'<tr data-program="{p.program_id}"><td>{p.program_id}</td><td>{_esc(p.name)}</td>'
                + _num("funded", p.escrow_funded, self.txs(t.funded, "funding"), self)
                + _num("paid_out", p.paid_out, self.txs(t.redeemed, "settlement"), self)
                + _num("withdrawn", p.withdrawn, self.txs(t.withdrawn, "withdrawal"), self)
                + _num("escrow_balance", p.escrow_balance, page=self)
                + _num("outstanding_value", p.outstanding_value, page=self)
                + f'<td class="{"ok" if backed else "bad"}">{"yes" if backed else "NO"}</td></tr>'
            )
        held = sum(p.escrow_balance for p in d.programs)
        owed = sum(p.outstanding_value for p in d.programs)
        covered = d.contract_balance >= held >= owed
        table = (
            '<table class="figures" id="escrow-table"><thead><tr><th class="text">#</th>'
            '<th class="text">program</th>'
            f"<th>funded ({sym})</th><th>paid out</th><th>withdrawn</th><th>escrow now</th>"
            "<th>face value outstanding</th><th>backed</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
        summary = (
            f'<p class="verdict {"ok" if covered else "bad"}" id="backing">'
            f"The BenefitToken contract holds "
            f'<b data-value="{d.contract_balance}">{self.money(d.contract_balance)} {sym}</b>; '
            f'the programs\' escrows add up to <b data-value="{held}">{self.money(held)} {sym}</b> '
            f'and the face value of every outstanding token to <b data-value="{owed}">'
            f"{self.money(owed)} {sym}</b>: "
            + (
                "every outstanding token is backed."
                if covered
                else "<b>the escrow does NOT cover the outstanding tokens.</b>"
            )
            + "</p>"
        )
        chart = _hbars(
            "escrow",
            f"Escrow per program against the face value of its outstanding tokens ({d.symbol})",
            [f"#{p.program_id} {p.name}" for p in d.programs],
            [
                ("escrow now", [p.escrow_balance / self.scale for p in d.programs]),
                ("face value outstanding", [p.outstanding_value / self.scale for p in d.programs]),
            ],
            d.symbol,
        )
        return _section("escrow", "Escrow backing", summary + _figure_html(chart) + table)

    def over_time(self) -> str:
        d = self.data
        k = self.min_group
        if not d.settlements:
            return _section("over-time", "Spending over time", "<p>No settlement yet.</p>")
        unit = bucket_unit([s.timestamp for s in d.settlements])
        raw = time_buckets(((s.timestamp, s.value, s.tx) for s in d.settlements), unit)
        buckets = merge_small_buckets(raw, k)
        intro = (
            f"<p>Money paid out of escrow to merchants, per {unit}: merchants' redemptions and "
            "citizens' signed payments (<code>TokenUnwrapForTarget</code> events), dated by their "
            f"blocks. A period with fewer than {k} settlements is merged with the next.</p>"
        )
        if not buckets:
            return _section(
                "over-time",
                "Spending over time",
                intro + f'<p class="suppressed">Fewer than {k} settlements in all: not shown.</p>',
            )
        chart = _time_chart(
            "over-time", f"Paid out to merchants ({d.symbol})", buckets, self.scale, d.symbol
        )
        rows = "".join(
            f"<tr><td>{_esc(b.label)}</td>"
            + _num("count", b.count)
            + _num("value", b.value, self.txs(b.txs, "settlement"), self)
            + "</tr>"
            for b in buckets
        )
        table = (
            '<table class="figures" id="over-time-table"><thead><tr><th class="text">period</th>'
            f"<th>settlements</th><th>paid out ({_esc(d.symbol)})</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
        return _section("over-time", "Spending over time", intro + _figure_html(chart) + table)

    def by_place(self) -> str:
        d = self.data
        k = self.min_group
        sym = _esc(d.symbol)
        intro = (
            "<p>Citizens' payments to merchants, by the merchant's category and district: "
            "tokens given to a merchant's wallet, and signed payments it was paid for. "
            f"<b>A group of fewer than {k} payments is never shown</b>: it is merged into "
            f'"other", and "other" is shown only once it holds {k} payments or more. The '
            "totals by category and by district add up the groups shown, so that no hidden "
            "group can be worked out by subtraction.</p>"
        )
        if not d.payments:
            return _section(
                "by-place", "Spending by category and district", intro + "<p>No payment yet.</p>"
            )
        grouping = merge_small_groups(spending_cells(d.payments), k)
        cells = list(grouping.shown) + ([grouping.other] if grouping.other_shown else [])
        hidden = (
            f'<p class="suppressed" id="hidden-note">{grouping.hidden_groups} '
            f"group{'s' if grouping.hidden_groups != 1 else ''} of fewer than {k} payments "
            + (
                f'merged into "other" ({grouping.other.count:,} payments).'
                if grouping.other_shown
                else f'not shown: together they hold fewer than {k} payments, too few for "other".'
            )
            + "</p>"
            if grouping.hidden_groups
            else ""
        )
        if not cells:
            return _section(
                "by-place",
                "Spending by category and district",
                intro
                + f'<p class="suppressed">Fewer than {k} payments in every group: nothing to show.</p>'
                + hidden,
            )

        def rows(groups: Sequence[Group], table_id: str, head: str) -> str:
            body = "".join(
                f'<tr data-group="{_esc(g.label)}"><td>{_esc(g.label)}</td>'
                + _num("count", g.count)
                + _num(
                    "value",
                    g.value,
                    (
                        self.txs(g.txs, "payment")
                        if g is not grouping.other
                        else '<small class="none">transactions of small groups are not listed</small>'
                    ),
                    self,
                )
                + "</tr>"
                for g in groups
            )
            return (
                f'<table class="figures" id="{table_id}"><thead><tr><th class="text">{head}</th>'
                f"<th>payments</th><th>value ({sym})</th></tr></thead><tbody>{body}</tbody></table>"
            )

        charts = [
            _hbars(
                "by-cell",
                f"Spent at merchants, by category and district ({d.symbol})",
                [g.label for g in cells],
                [("value", [g.value / self.scale for g in cells])],
                d.symbol,
                notes=[f"{self.money(g.value)} ({g.count:,} payments)" for g in cells],
            )
        ]
        by_category = rollup(grouping, 0, _category_name)
        by_district = rollup(
            grouping, 1, lambda x: "shared payout" if x is None else f"district {x}"
        )
        for name, title, groups in (
            ("by-category", "by merchant category", by_category),
            ("by-district", "by district", by_district),
        ):
            charts.append(
                _hbars(
                    name,
                    f"Spent {title}, groups shown ({d.symbol})",
                    [g.label for g in groups],
                    [("value", [g.value / self.scale for g in groups])],
                    d.symbol,
                    notes=[f"{self.money(g.value)} ({g.count:,})" for g in groups],
                    inches=4.4,
                )
            )
        body = (
            intro
            + hidden
            + _figure_html(charts[0])
            + rows(cells, "by-cell-table", "category · district")
            + '<div class="pair">'
            + _figure_html(charts[1])
            + _figure_html(charts[2])
            + "</div>"
            + rows(by_category, "by-category-table", "category")
            + rows(by_district, "by-district-table", "district")
        )
        return _section("by-place", "Spending by category and district", body)

    def land(self) -> str:
        d = self.data
        title = "Land registry activity"
        if d.land_events is None:
            return _section("land", title, "<p>No land registry is deployed on this chain.</p>")
        if not d.land_events:
            return _section("land", title, "<p>No registry event yet.</p>")
        unit = bucket_unit([e.timestamp for e in d.land_events])
        columns: dict[int, str] = {}
        counts: dict[str, Counter[int]] = defaultdict(Counter)
        txs: dict[str, list[str]] = defaultdict(list)
        for e in d.land_events:
            start, label, _ = bucket_of(e.timestamp, unit)
            columns[start] = label
            counts[e.event][start] += 1
            txs[e.event].append(e.tx)
        order = sorted(columns)
        kinds = [k for k in land.PARCEL_EVENTS if k in counts]
        chart = _stacked_counts(
            "land",
            f"Registry events per {unit}",
            [columns[c] for c in order],
            {_LAND_WORDS.get(k, k): [counts[k][c] for c in order] for k in kinds},
        )
        rows = "".join(
            f'<tr data-event="{k}"><td>{_esc(_LAND_WORDS.get(k, k))} <small><code>{k}</code>'
            "</small></td>" + _num("count", sum(counts[k].values()), self.txs(txs[k])) + "</tr>"
            for k in kinds
        )
        table = (
            '<table class="figures" id="land-table"><thead><tr><th class="text">event</th>'
            "<th>count</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
        intro = (
            "<p>Acts of the public title registry, counted by kind: registrations, sales, liens, "
            "court freezes, subdivisions, documents. The register is public by law; the report "
            "counts acts and names no owner.</p>"
        )
        return _section("land", title, intro + _figure_html(chart) + table)

    def method(self) -> str:
        return _section(
            "method",
            "How this report is made, and what it leaves out",
            f"""<ul>
<li>No address of a citizen, a parcel owner or a merchant appears in this report: only the
contracts' addresses and transaction hashes. Transactions are public on the chain; the report
adds no name to them.</li>
<li>Anonymity threshold: {self.min_group}. A group of payments smaller than that (a category
and district, a period of time) is never shown on its own; the transactions of merged small
groups are not listed.</li>
<li>Programs and escrow figures are read from the contracts' state at block
{self.data.head_block:,}; spending and land activity are rebuilt from event logs.</li>
<li>Made by <code>civic report</code> (CivicLedger); the charts are drawn by matplotlib.</li>
</ul>""",
        )

    def render(self) -> str:
        sections = [
            self.header(),
            "<main>",
            self.programs(),
            self.escrow(),
            self.over_time(),
            self.by_place(),
            self.land(),
            self.method(),
            "</main>",
        ]
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>CivicLedger transparency report, chain {self.data.chain_id}, block "
            f"{self.data.head_block}</title><style>{_CSS}</style></head><body>"
            + "\n".join(sections)
            + "</body></html>\n"
        )


def _program_category(category: int) -> str:
    try:
        return benefits.ProgramCategory(category).name.replace("_", " ").lower()
    except ValueError:
        return f"category {category}"


def _num(name: str, value: int, extra: str = "", page: _Page | None = None) -> str:
    """A figure's cell: exact value in data-value, shown as tokens (or money with `page`)."""
    shown = page.money(value) if page is not None else f"{value:,}"
    return f'<td class="num" data-field="{name}" data-value="{value}">{shown}{extra}</td>'


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{_esc(title)}</h2>{body}</section>'


def _figure_html(figure: str) -> str:
    return figure


_CSS = """
:root { --ink: #1b1f24; --muted: #5b6570; --line: #d8dde3; --ok: #1a7f37; --bad: #b42318; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 auto; max-width: 1000px; padding: 1.5rem; background: #fff; }
h1 { font-size: 1.8rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem;
  margin-top: 2.2rem; }
.lead { font-size: 1.05rem; }
.note, small, .none { color: var(--muted); }
code { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
figure { margin: 1.2rem 0; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.chart { display: block; width: 100%; height: auto; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media (max-width: 700px) { .pair { grid-template-columns: 1fr; } }
table.figures { border-collapse: collapse; width: 100%; margin: .8rem 0; font-size: .9rem; }
table.figures th, table.figures td { border-bottom: 1px solid var(--line); padding: .35rem .5rem;
  vertical-align: top; text-align: left; }
table.figures th { text-align: right; }
table.figures th.text { text-align: left; }
table.figures td.num { text-align: right; font-variant-numeric: tabular-nums; }
details.txs { font-size: .8rem; text-align: left; }
details.txs summary { cursor: pointer; color: var(--muted); }
details.txs ul { margin: .2rem 0; padding-left: 1rem; max-height: 14rem; overflow: auto; }
.ok { color: var(--ok); } .bad { color: var(--bad); font-weight: bold; }
.verdict { padding: .6rem .8rem; border-left: 4px solid currentColor; background: #f6f8fa; }
.suppressed { color: var(--muted); font-style: italic; }
ul.contracts { padding-left: 1.2rem; }
@media print { details.txs { display: none; } }
"""


def render(data: ReportData, *, min_group: int = DEFAULT_MIN_GROUP) -> str:
    """The report's HTML page, charts inline."""
    if min_group < 2:
        raise CivicError(f"the anonymity threshold must be at least 2 (got {min_group})")
    return _Page(data, min_group).render()


def write(
    w3: Web3,
    token: Contract,
    registry: Contract | None,
    from_blocks: Mapping[str, int],
    out_dir: str | Path,
    *,
    min_group: int = DEFAULT_MIN_GROUP,
    log_chunk: int = DEFAULT_LOG_CHUNK,
) -> Path:
    """Collect, render and write `out_dir/index.html`; returns its path."""
    data = collect(w3, token, registry, from_blocks=from_blocks, log_chunk=log_chunk)
    page = render(data, min_group=min_group)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def deployment_blocks(contracts: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """{contract name: deployment block} from a manifest's `contracts`."""
    return {name: int(entry.get("block") or 0) for name, entry in contracts.items()}
