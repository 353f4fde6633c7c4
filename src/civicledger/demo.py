"""The seed's story, end to end, on a throwaway local chain (`civic demo`).

A city deploys the suite, budgets four benefit programs, pays 1,000 citizens from a spreadsheet
(and survives being cut off halfway), citizens spend at four merchants, the merchants redeem, and
a land parcel goes through a sale, a court freeze and a subdivision. Every step calls the same
package functions the `civic` commands call; this module only chooses the cast and the numbers.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from civicledger import benefits, chain, devchain, distribution, land, payments, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.deploy import Suite, deploy_suite
from civicledger.errors import CivicError, ContractError

Echo = Callable[[str], None]

# Dev accounts by role: the first nine in the order tests/conftest.py names them.
ACTORS = [
    "city",
    "treasurer",
    "registrar",
    "court",
    "lender",
    "alice",
    "bob",
    "pharmacy",
    "school",
    "grocer",
    "gym",
    "grocer_bank",
]
CITIZENS = 1_000
BATCH_SIZE = 100  # small batches, so that the cut-off leaves most of the run still to send
RUN_ID = "food-2027-jan"
# The other programs go to shorter lists: (first citizen, last citizen, tokens each), 1-based.
OTHER_LISTS = {"education": (1, 200, 5), "health": (1, 200, 4), "pension": (901, 1_000, 8)}
DAY = 86400
CENT = 10_000  # cdUSD has 6 decimals


@dataclass(frozen=True)
class ProgramPlan:
    """One program of the city's budget: its rules, and how the demo says what it pays for."""

    key: str
    config: benefits.ProgramConfig
    allows: str  # the merchant categories, as the demo says them


@dataclass(frozen=True)
class Merchant:
    name: str
    account: LocalAccount
    category: MerchantCategory
    district: int
    payout: str


# --------------------------------------------------------------------------------------------
# The whole story


def run(echo: Echo = print) -> None:
    """Start Ganache, deploy the suite, tell the story, print the summary, stop the chain."""
    started = time.monotonic()
    with devchain.ganache(accounts=len(ACTORS)) as dev, tempfile.TemporaryDirectory() as tmp:
        w3 = dev.w3
        cast = dict(zip(ACTORS, dev.accounts, strict=True))
        echo("CivicLedger demo: the seed's story on a local Ganache chain, started for this run")
        echo(f"Chain: {dev.client_version.split('/EthereumJS')[0]}, chain id {w3.eth.chain_id}")

        echo("")
        echo("1. The city deploys the contract suite")
        suite = deploy_suite(w3, cast["city"], deployments=Path(tmp))
        for name, entry in suite.manifest.contracts.items():
            echo(f"  {name:14} {entry['address']}  block {entry['block']}")
        echo("  (DevStablecoin, 'cdUSD', stands in for the settlement stablecoin on dev chains)")

        echo("")
        echo("2. The city budgets four programs, funds their escrow, onboards four merchants")
        programs = budget_programs(w3, suite, cast, echo)
        merchants = onboard_merchants(w3, suite.benefits, cast, echo)

        echo("")
        echo(f"3. {CITIZENS:,} citizens receive Food Support tokens from a spreadsheet")
        citizens = distribute_story(w3, suite, cast["city"], programs, Path(tmp), echo)

        echo("")
        echo("4. Citizens pay merchants, with a wallet or gasless; the rules refuse the rest")
        paid = payments_story(w3, suite, cast["city"], programs, merchants, citizens, echo)

        echo("")
        echo(
            "5. Land title registry: a parcel is registered, sold under a lien, frozen, subdivided"
        )
        timeline = land_story(w3, suite.registry, cast, echo)

        echo("")
        summary(w3, suite, programs, paid, timeline, time.monotonic() - started, echo)

        # The run's transparency report outlives the throwaway chain (reports/ is git-ignored).
        from civicledger import artifacts, report

        path = report.write(
            w3,
            suite.benefits,
            suite.registry,
            report.deployment_blocks(suite.manifest.contracts),
            artifacts.project_root() / "reports" / "demo-report",
        )
        echo(f"  Transparency report of this run (opens from disk): {path}")


# --------------------------------------------------------------------------------------------
# Benefits


def budget_programs(
    w3: Web3, suite: Suite, cast: Mapping[str, LocalAccount], echo: Echo
) -> dict[str, int]:
    """Create and fund the four programs; returns their ids by key."""
    city, treasurer = cast["city"], cast["treasurer"]
    token, usd = suite.benefits, suite.stablecoin
    roles.grant_roles(
        w3,
        city,
        token,
        {
            "PROGRAM_MANAGER_ROLE": city.address,
            "MERCHANT_MANAGER_ROLE": city.address,
            "DISTRIBUTOR_ROLE": city.address,
            "PAUSER_ROLE": city.address,
            "TREASURER_ROLE": treasurer.address,
        },
    )
    now = w3.eth.get_block("latest")["timestamp"]
    plans = _plans(now)
    total = sum(p.config.budget * p.config.face_value for p in plans)
    chain.transact(w3, city, usd.functions.mint(treasurer.address, total))

    echo(
        f"  {'#':>2}  {'program':17} {'tokens × face value':>19}  {'valid':23}  "
        f"{'spent at':28} districts"
    )
    ids: dict[str, int] = {}
    for plan in plans:
        c = plan.config
        ids[plan.key] = program_id = benefits.create_program(w3, city, token, c)
        benefits.fund_program(w3, treasurer, token, usd, program_id, c.budget * c.face_value)
        budget = f"{c.budget:,} × {_money(c.face_value, unit=False)}"
        valid = f"{_date(c.valid_from)} to {_date(c.valid_until)}"
        districts = ", ".join(map(str, benefits.members(c.districts)))
        echo(
            f"  {program_id:>2}  {c.name:17} {budget:>19}  {valid:23}  {plan.allows:28} {districts}"
        )
    echo(
        f"  The treasurer funded each program's escrow with its whole budget ({_money(total)} in "
        "all): every token is backed before it is minted"
    )
    return ids


def _plans(now: int) -> list[ProgramPlan]:
    def config(name: str, category: ProgramCategory, face: int, budget: int, days: int, **kw):
        return benefits.ProgramConfig(
            name=name,
            category=category,
            face_value=face,
            budget=budget,
            valid_from=now - 60,
            valid_until=now + days * DAY,
            uri=f"ipfs://{name.lower().replace(' ', '-')}.json",
            **kw,
        )

    M = MerchantCategory
    return [
        ProgramPlan(
            "education",
            config(
                "Education 2027",
                ProgramCategory.EDUCATION,
                2_500 * CENT,
                2_000,
                365,
                merchant_categories=bits([M.SCHOOL, M.BOOKSHOP]),
                districts=bits([1, 2, 3]),
            ),
            "schools, bookshops",
        ),
        ProgramPlan(
            "health",
            config(
                "Health 2027",
                ProgramCategory.HEALTH,
                2_000 * CENT,
                2_000,
                365,
                merchant_categories=bits([M.PHARMACY, M.CLINIC]),
                districts=bits([1, 2, 3]),
            ),
            "pharmacies, clinics",
        ),
        ProgramPlan(
            "food",
            config(
                "Food Support 2027",
                ProgramCategory.SOCIAL_WELFARE,
                1_000 * CENT,
                20_000,
                90,
                merchant_categories=bits([M.GROCERY]),
                districts=bits([1, 2, 3]),
                per_citizen_cap=20,
            ),
            "groceries (≤ 20 each)",
        ),
        ProgramPlan(
            "pension",
            config(
                "Pension 2027",
                ProgramCategory.PENSION,
                5_000 * CENT,
                1_000,
                365,
                merchant_categories=bits([M.GROCERY, M.PHARMACY, M.GYM]),
                districts=bits([1, 2, 3, 4, 5]),
            ),
            "groceries, pharmacies, gyms",
        ),
    ]


def onboard_merchants(
    w3: Web3, token: Contract, cast: Mapping[str, LocalAccount], echo: Echo
) -> list[Merchant]:
    merchants = [
        Merchant("school", cast["school"], MerchantCategory.SCHOOL, 1, cast["school"].address),
        Merchant(
            "pharmacy", cast["pharmacy"], MerchantCategory.PHARMACY, 2, cast["pharmacy"].address
        ),
        Merchant(
            "grocer", cast["grocer"], MerchantCategory.GROCERY, 2, cast["grocer_bank"].address
        ),
        Merchant("gym", cast["gym"], MerchantCategory.GYM, 3, cast["gym"].address),
    ]
    for m in merchants:
        benefits.onboard_merchant(
            w3, cast["city"], token, m.account.address, m.category, m.district, m.payout
        )
    echo(
        "  Merchants onboarded: "
        + ", ".join(f"{m.name} ({m.category.name}, district {m.district})" for m in merchants)
    )
    echo("  (the grocer's money goes to its bank's payout account, the others' to their own)")
    return merchants


def distribute_story(
    w3: Web3,
    suite: Suite,
    city: LocalAccount,
    programs: Mapping[str, int],
    folder: Path,
    echo: Echo,
) -> list[LocalAccount]:
    """citizens.csv through `civic distribute`'s code: cut off, resumed, checked to the token."""
    token = suite.benefits
    from_block = int(suite.manifest.contracts["BenefitToken"]["block"])
    citizens = [_citizen(i) for i in range(CITIZENS)]
    spreadsheet = folder / "citizens.csv"
    with spreadsheet.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["address", "amount"])
        for i, citizen in enumerate(citizens):
            out.writerow([citizen.address, 10 + 5 * (i % 3)])  # by household size: 10, 15, 20
    rows = distribution.read_csv(spreadsheet)
    food = programs["food"]
    batches = -(-len(rows) // BATCH_SIZE)
    echo(
        f"  {spreadsheet.name}: {len(rows):,} rows (address,amount), "
        f"{sum(r.amount for r in rows):,} tokens, run '{RUN_ID}' in {batches} batches "
        f"of {BATCH_SIZE}"
    )

    def common() -> dict:
        return dict(
            run_id=RUN_ID,
            from_block=from_block,
            journal=distribution.journal_path(spreadsheet, RUN_ID),
            source=str(spreadsheet),
        )

    first_lines = f"lines {rows[0].line}-{rows[min(BATCH_SIZE, len(rows)) - 1].line}"

    def cut_off(event: str, batch: distribution.Batch, info: object) -> None:
        if event == "mined" and batch.index == 0:
            raise _Interrupted

    try:
        distribution.distribute(
            w3, city, token, food, rows, batch_size=BATCH_SIZE, progress=cut_off, **common()
        )
    except _Interrupted:
        echo(
            f"  First attempt: killed right after batch 0 ({first_lines} of {spreadsheet.name}) "
            "was mined, as when a laptop is closed mid-run"
        )
    else:
        raise CivicError("the first distribution attempt was meant to be cut off")

    report = distribution.distribute(w3, city, token, food, rows, **common())
    size = report.batch_size
    checked = sum(len(rows[i * size : (i + 1) * size]) for i in report.already_on_chain)
    found = report.already_on_chain
    echo(
        f"  Second attempt, same file and run id: {_batches(found)} found on chain; read back "
        f"and checked row by row against the file: {checked:,} citizens "
        "already paid, correctly"
    )
    rate = report.paid_now / report.seconds if report.seconds else 0
    echo(
        f"  ...then sent the {_plural(len(report.sent), 'other batch', 'other batches')} "
        f"({_ranges(report.sent)}): "
        f"{report.paid_now:,} more citizens paid in {report.seconds:.1f} s "
        f"({rate:,.0f} citizens/s, {report.gas_used:,} gas)"
    )
    held = token.functions.balanceOfBatch([r.address for r in rows], [food] * len(rows)).call()
    wrong = [r for r, h in zip(rows, held, strict=True) if h != r.amount]
    if wrong or checked + report.paid_now != len(rows):
        raise CivicError(
            f"{len(wrong)} citizens do not hold their amount after the resumed distribution"
        )
    echo(
        f"  balanceOfBatch: all {len(rows):,} citizens hold exactly the amount on their row "
        "(nobody paid twice, nobody skipped)"
    )

    # The other programs go to shorter lists, through the same distribution.
    for key, (first, last, each) in OTHER_LISTS.items():
        group = [(c.address, each) for c in citizens[first - 1 : last]]
        distribution.distribute(
            w3, city, token, programs[key], group, run_id=f"{key}-2027", from_block=from_block
        )
    echo(
        "  Also distributed: "
        + ", ".join(
            f"{key.capitalize()} to citizens {first}-{last} ({each} each)"
            for key, (first, last, each) in OTHER_LISTS.items()
        )
    )
    return citizens


def payments_story(
    w3: Web3,
    suite: Suite,
    city: LocalAccount,
    programs: Mapping[str, int],
    merchants: list[Merchant],
    citizens: list[LocalAccount],
    echo: Echo,
) -> dict[str, int]:
    """Both ways of paying, two refusals, redemption; returns what each merchant was paid."""
    token, usd = suite.benefits, suite.stablecoin
    shop = {m.name: m for m in merchants}
    before = {m.name: usd.functions.balanceOf(m.payout).call() for m in merchants}
    family, neighbour, pensioner = citizens[0], citizens[1], citizens[-1]

    # Citizen 1 has a little ETH and pays from its wallet.
    chain.send_ether(w3, city, family.address, 10**16)

    def pay(program: str, merchant: str, amount: int):
        to = shop[merchant].account.address if merchant in shop else merchant
        return token.functions.safeTransferFrom(family.address, to, programs[program], amount, b"")

    echo("  Wallet way (citizen 1 was given 0.01 ETH for gas):")
    receipt = chain.transact(w3, family, pay("education", "school", 4))
    echo(f"    citizen 1 paid the school 4 Education tokens (gas {receipt.gas_used:,})")
    receipt = chain.transact(w3, family, pay("food", "grocer", 3))
    echo(f"    citizen 1 paid the grocer 3 Food Support tokens (gas {receipt.gas_used:,})")

    echo("  Gasless way (the citizen only signs; the merchant submits and pays the gas):")
    for citizen, who, program, merchant, amount in (
        (neighbour, "citizen 2", "health", "pharmacy", 2),
        (pensioner, f"citizen {CITIZENS}, a pensioner,", "pension", "gym", 1),
    ):
        m = shop[merchant]
        signed = payments.authorize(
            citizen,
            merchant=m.account.address,
            program_id=programs[program],
            amount=amount,
            chain_id=w3.eth.chain_id,
            verifying_contract=token.address,
            valid_after=w3.eth.get_block("latest")["timestamp"] - 60,
        )
        payments.verify(signed)
        receipt = payments.submit(w3, m.account, token, signed)
        tokens = _plural(amount, f"{program.capitalize()} token")
        value = amount * benefits.program(token, programs[program]).face_value
        echo(
            f"    {who} signed an authorization for {tokens} to the {merchant}, which "
            f"submitted it and was paid {_money(value)} at once (gas {receipt.gas_used:,})"
        )

    echo("  Refused by the token's own rules:")
    refused = _refusal(w3, family, pay("health", "gym", 1))
    category = MerchantCategory(refused.kwargs["category"]).name
    echo(
        f"    citizen 1 tried to pay the gym with a Health token: refused, {refused.name} "
        f"(Health 2027 does not allow {category} merchants)"
    )
    refused = _refusal(w3, family, pay("food", neighbour.address, 1))
    echo(f"    ...and to give a Food Support token to a neighbour: refused, {refused.name}")

    echo("  Merchants redeem the tokens their wallets received (benefits.redeem_all):")
    ids = list(programs.values())
    for m in merchants:
        held = sum(token.functions.balanceOfBatch([m.account.address] * len(ids), ids).call())
        receipt = benefits.redeem_all(w3, m.account, token)
        if receipt is not None:
            echo(
                f"    the {m.name} redeemed {_plural(held, 'token')} in one transaction "
                f"(gas {receipt.gas_used:,})"
            )
    paid = {m.name: usd.functions.balanceOf(m.payout).call() - before[m.name] for m in merchants}
    if not all(paid.values()):
        raise CivicError(f"a merchant was not paid: {paid}")
    echo("  Paid out of escrow: " + ", ".join(f"{name} {_money(v)}" for name, v in paid.items()))
    return paid


# --------------------------------------------------------------------------------------------
# Land


def land_story(
    w3: Web3, registry: Contract, actors: Mapping[str, LocalAccount], echo: Echo = print
) -> land.History:
    """Register a parcel, sell it through the workflow with a mortgage lien (lender consent),
    show a court freeze refusing a transfer, subdivide it, and print its history from events.

    `actors` names LocalAccounts: registrar, court, lender, alice, bob, and city (the registry's
    admin, used to grant the roles the others lack).
    """
    registrar, court, lender = actors["registrar"], actors["court"], actors["lender"]
    alice, bob = actors["alice"], actors["bob"]
    if "city" in actors:
        land.ensure_roles(w3, actors["city"], registry, actors)
    # Display names for the printout only: on chain there are addresses, nothing personal.
    display = {"registrar": "the land office", "court": "District Court", "lender": "CityBank"}
    names = {a.address: display.get(n, n) for n, a in actors.items()}
    doc = land.document_hash

    def step(text: str) -> None:
        echo(f"  - {text}")

    ref = f"LOT-2026-{w3.eth.block_number:04d}"  # unique per run on a shared chain
    parcel_id = land.register(
        w3,
        registrar,
        registry,
        owner=alice.address,
        cadastral_ref=ref,
        geometry_hash=doc(f"survey polygon of {ref}"),
        area=1_200,
        deed_hash=doc(f"deed of {ref} to alice"),
        deed_uri=f"ipfs://deeds/{ref}",
    )
    step(f"registrar registered parcel #{parcel_id} ({ref}, 1,200 m²) to alice")
    lien_id = land.add_lien(
        w3,
        lender,
        registry,
        parcel_id,
        amount_ref="EUR-180000",
        document_hash=doc(f"mortgage on {ref}"),
    )
    step(f"the bank registered mortgage lien #{lien_id} on it")

    proposal_id = land.propose_transfer(
        w3,
        alice,
        registry,
        parcel_id,
        buyer=bob.address,
        price_ref="EUR-250000",
        deed_hash=doc(f"deed of {ref} to bob"),
    )
    land.accept_transfer(w3, bob, registry, proposal_id)
    step(f"alice proposed to sell it to bob (proposal #{proposal_id}); bob accepted")
    try:
        land.approve_transfer(w3, registrar, registry, proposal_id)
    except ContractError as refusal:
        step(f"registrar's approval refused: {refusal.name} (the mortgage needs its lender)")
    land.consent_to_transfer(w3, lender, registry, lien_id, proposal_id)
    step("the bank consented to this sale")
    receipt = land.approve_transfer(w3, registrar, registry, proposal_id)
    step(f"registrar approved: bob now holds the title (gas {receipt.gas_used:,})")
    land.release_lien(w3, lender, registry, lien_id)
    step(f"the bank, repaid from the price, released lien #{lien_id}")

    land.freeze(w3, court, registry, parcel_id, "CASE-2026-117")
    step("a court froze the parcel over a boundary dispute (case CASE-2026-117)")
    try:
        land.propose_transfer(
            w3,
            bob,
            registry,
            parcel_id,
            buyer=alice.address,
            deed_hash=doc(f"deed of {ref} back to alice"),
        )
    except ContractError as refusal:
        step(f"bob's attempt to sell it on was refused: {refusal.name}")
    land.unfreeze(w3, court, registry, parcel_id)
    step("the court lifted the freeze after its ruling")
    land.attach_document(
        w3,
        registrar,
        registry,
        parcel_id,
        kind="court-ruling",
        document_hash=doc("ruling CASE-2026-117"),
        uri="ipfs://rulings/CASE-2026-117",
    )

    children = land.subdivide(
        w3,
        registrar,
        registry,
        parcel_id,
        [
            land.ParcelSpec(f"{ref}/1", doc(f"{ref} north"), 700, doc("deed A")),
            land.ParcelSpec(f"{ref}/2", doc(f"{ref} south"), 500, doc("deed B")),
        ],
    )
    step(
        f"registrar subdivided it into parcels {', '.join(f'#{c}' for c in children)} "
        "(700 + 500 m²)"
    )

    echo("")
    echo(f"History of parcel #{parcel_id}, rebuilt from the chain's event logs only:")
    timeline = land.history(w3, registry, parcel_id, names=names)
    for line in timeline.lines():
        echo(f"  {line}")
    for child in children:
        for line in land.history(w3, registry, child, names=names).lines():
            echo(f"  {line}")
    agrees = timeline.state == land.state(registry, parcel_id)
    echo(f"History agrees with contract storage: {'yes' if agrees else 'NO'}")
    return timeline


# --------------------------------------------------------------------------------------------
# Summary and helpers


def summary(
    w3: Web3,
    suite: Suite,
    programs: Mapping[str, int],
    paid: Mapping[str, int],
    timeline: land.History,
    seconds: float,
    echo: Echo,
) -> None:
    token, registry = suite.benefits, suite.registry
    echo(f"Summary ({seconds:.0f} s)")
    echo("  Programs: tokens, and cdUSD held in escrow and paid to merchants")
    echo(
        f"  {'#':>2}  {'program':17} {'budget':>7} {'minted':>7} {'redeemed':>8} "
        f"{'outstanding':>11} {'escrow':>12} {'paid out':>9}"
    )
    backed = True
    for program_id in programs.values():
        f = benefits.program(token, program_id)
        backed &= f.escrow_balance >= f.outstanding_value
        echo(
            f"  {program_id:>2}  {f.name:17} {f.budget:>7,} {f.minted:>7,} {f.redeemed:>8,} "
            f"{f.outstanding:>11,} {_money(f.escrow_balance, unit=False):>12} "
            f"{_money(f.paid_out, unit=False):>9}"
        )
    if not backed:
        raise CivicError("a program's escrow no longer covers its outstanding tokens")
    echo("  Escrow backs every outstanding token of every program: yes")
    echo(
        f"  Distribution: {CITIZENS:,} citizens paid exactly once from citizens.csv, across a kill "
        "and a resume"
    )
    echo(
        f"  Merchants paid: {', '.join(paid)} ({len(paid)} of {len(paid)}); "
        "2 forbidden payments refused by name"
    )
    agrees = timeline.state == land.state(registry, timeline.parcel_id)
    echo(
        f"  Land: parcel #{timeline.parcel_id} sold under a mortgage, frozen and released by a "
        f"court, subdivided into #{', #'.join(map(str, timeline.state.children))}; its "
        f"{len(timeline.entries)} events rebuild a history that agrees with storage: "
        f"{'yes' if agrees else 'NO'}"
    )
    if not agrees:
        raise CivicError(f"parcel #{timeline.parcel_id}'s history disagrees with storage")


def _money(units: int, unit: bool = True) -> str:
    return f"{units / 1_000_000:,.2f}" + (" cdUSD" if unit else "")


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def _date(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def _batches(indexes: list[int]) -> str:
    return f"{'batch' if len(indexes) == 1 else 'batches'} {_ranges(indexes)}"


def _ranges(indexes: list[int]) -> str:
    """[0, 1, 2, 5] -> '0-2, 5'."""
    parts: list[tuple[int, int]] = []
    for i in sorted(indexes):
        if parts and parts[-1][1] == i - 1:
            parts[-1] = (parts[-1][0], i)
        else:
            parts.append((i, i))
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in parts) or "none"


def _citizen(i: int) -> LocalAccount:
    """A citizen's wallet key, made up for the demo (a real one lives in the citizen's wallet)."""
    return Account.from_key(keccak(text=f"civicledger demo citizen {i}"))


def _refusal(w3: Web3, account: LocalAccount, call) -> ContractError:
    """The custom error the token refuses `call` with; the demo stops if it is accepted."""
    try:
        chain.transact(w3, account, call)
    except ContractError as refused:
        return refused
    raise CivicError("the benefit token accepted a payment its rules forbid")


class _Interrupted(Exception):
    pass
