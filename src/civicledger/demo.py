"""The seed's story, end to end, on a throwaway local chain (`civic demo`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from civicledger import benefits, chain, devchain, distribution, land, payments, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.deploy import Suite, deploy_suite
from civicledger.errors import CivicError, ContractError

Echo = Callable[[str], None]

# Dev accounts by role, in the order tests/conftest.py names them.
ACTORS = ["city", "treasurer", "registrar", "court", "lender", "alice", "bob", "pharmacy", "school"]
CITIZENS = 100
TOKENS_EACH = 10
FACE_VALUE = 10_000_000  # 10.00 cdUSD per token
DAY = 86400


def run(echo: Echo = print) -> None:
    """Start Ganache, deploy the suite, tell the story, stop the chain."""
    with devchain.ganache(accounts=12) as dev, tempfile.TemporaryDirectory() as tmp:
        w3 = dev.w3
        city = dev.accounts[0]
        echo(f"Local chain: {dev.client_version}, chain id {w3.eth.chain_id}")
        suite = deploy_suite(w3, city, deployments=Path(tmp))
        for name, entry in suite.manifest.contracts.items():
            echo(f"  deployed {name:14} {entry['address']}  (block {entry['block']})")
        echo("")
        figures = benefits_story(w3, suite, dev.accounts, echo)
        actors = dict(zip(ACTORS, dev.accounts, strict=False))
        timeline = land.demo_story(w3, suite.registry, actors, echo)
        echo("")
        echo("Summary")
        echo(
            f"  benefits: {figures.minted:,} tokens to {CITIZENS} citizens, {figures.redeemed} spent "
            f"at the grocer, {_money(figures.paid_out)} paid out, escrow still backs every "
            f"outstanding token ({_money(figures.escrow_balance)} for {_money(figures.outstanding_value)})"
        )
        echo(
            f"  land: parcel #{timeline.parcel_id} sold under a mortgage, frozen and released by a "
            f"court, subdivided into #{', #'.join(map(str, timeline.state.children))}; "
            f"{len(timeline.entries)} events rebuild its history"
        )


def _money(units: int) -> str:
    return f"{units / 1_000_000:,.2f} cdUSD"


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


def benefits_story(
    w3: Web3, suite: Suite, accounts: list[LocalAccount], echo: Echo
) -> benefits.ProgramFigures:
    """Seed slide 23: a family buys food with a social-welfare token; the grocer is paid."""
    city, treasurer = accounts[0], accounts[1]
    grocer, pharmacy, grocer_bank = accounts[9], accounts[7], accounts[11]
    token, usd = suite.benefits, suite.stablecoin
    echo("== Earmarked benefits: the Food Support 2027 program ==")

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
    chain.transact(w3, city, usd.functions.mint(treasurer.address, 1_000_000 * 10**6))
    now = w3.eth.get_block("latest")["timestamp"]
    config = benefits.ProgramConfig(
        name="Food Support 2027",
        category=ProgramCategory.SOCIAL_WELFARE,
        face_value=FACE_VALUE,
        budget=5_000,
        valid_from=now - 60,
        valid_until=now + 90 * DAY,
        merchant_categories=bits([MerchantCategory.GROCERY]),
        districts=bits([1, 2, 3]),
        per_citizen_cap=20,
        uri="ipfs://food-support-2027.json",
    )
    program_id = benefits.create_program(w3, city, token, config)
    echo(
        f"City created program #{program_id} '{config.name}': {config.budget:,} tokens of "
        f"{_money(config.face_value)}, groceries only, districts 1-3, at most 20 per citizen"
    )
    receipt = benefits.fund_program(
        w3, treasurer, token, usd, program_id, config.budget * config.face_value
    )
    echo(
        f"Treasury funded the escrow with {_money(config.budget * config.face_value)} (tx {receipt.tx_hash[:10]}…)"
    )

    benefits.onboard_merchant(
        w3, city, token, grocer.address, MerchantCategory.GROCERY, 2, grocer_bank.address
    )
    benefits.onboard_merchant(w3, city, token, pharmacy.address, MerchantCategory.PHARMACY, 2)
    echo(
        f"Onboarded a grocer {grocer.address[:10]}… (district 2) and a pharmacy {pharmacy.address[:10]}…"
    )

    # The city's spreadsheet: 100 families, 10 tokens each, sent in batches; the first run is
    # cut off after one batch (a laptop closed, a node restarted), the second resumes it.
    citizens = [_citizen(i) for i in range(CITIZENS)]
    rows = [(c.address, TOKENS_EACH) for c in citizens]

    def cut_off(event: str, batch: distribution.Batch, info: object) -> None:
        if event == "mined" and batch.index == 0:
            raise _Interrupted

    try:
        distribution.distribute(
            w3,
            city,
            token,
            program_id,
            rows,
            run_id="food-2027-jan",
            batch_size=40,
            progress=cut_off,
        )
    except _Interrupted:
        echo("Distribution to 100 citizens started... interrupted after batch 1 of 3")
    report = distribution.distribute(w3, city, token, program_id, rows, run_id="food-2027-jan")
    echo(
        f"Resumed: batches {report.already_on_chain} already on chain were checked against the "
        f"rows, {len(report.sent)} sent; {report.paid_now} more citizens paid, {report.gas_used:,} gas"
    )
    balances = token.functions.balanceOfBatch(
        [c.address for c in citizens], [program_id] * CITIZENS
    ).call()
    echo(
        f"Every citizen holds exactly {set(balances)} tokens; minted {benefits.program(token, program_id).minted:,}"
    )

    # Family 1 has a little ETH and pays from its wallet.
    family, neighbour = citizens[0], citizens[1]
    chain.send_ether(w3, city, family.address, 10**16)
    pay = token.functions.safeTransferFrom(family.address, grocer.address, program_id, 3, b"")
    receipt = chain.transact(w3, family, pay)
    echo(f"Family 1 bought food: 3 tokens to the grocer from its wallet (gas {receipt.gas_used:,})")

    def spend(to: str):
        return token.functions.safeTransferFrom(family.address, to, program_id, 1, b"")

    refused = _refusal(w3, family, spend(pharmacy.address))
    echo(f"Family 1 tried to spend a food token at the pharmacy: refused, {refused}")
    refused = _refusal(w3, family, spend(neighbour.address))
    echo(f"...and to give one to a neighbour: refused, {refused.name}")

    # Family 2 has no ETH at all: it signs an authorization, the grocer submits it.
    signed = payments.authorize(
        neighbour,
        merchant=grocer.address,
        program_id=program_id,
        amount=2,
        chain_id=w3.eth.chain_id,
        verifying_contract=token.address,
        valid_after=w3.eth.get_block("latest")["timestamp"] - 60,
    )
    payments.verify(signed)
    receipt = payments.submit(w3, grocer, token, signed)
    echo(
        f"Family 2 (no ETH) signed a payment of 2 tokens; the grocer submitted it and was paid "
        f"{_money(2 * FACE_VALUE)} at once (gas {receipt.gas_used:,})"
    )
    receipt = benefits.redeem_all(w3, grocer, token)
    echo(
        f"The grocer redeemed the 3 wallet-way tokens in one transaction (gas {receipt.gas_used:,})"
    )
    echo(
        f"Grocer's bank account now holds {_money(usd.functions.balanceOf(grocer_bank.address).call())}"
    )

    figures = benefits.program(token, program_id)
    echo("")
    echo(f"Program #{program_id} figures")
    echo(f"  budget            {figures.budget:>10,} tokens")
    echo(f"  minted            {figures.minted:>10,} tokens")
    echo(f"  redeemed          {figures.redeemed:>10,} tokens")
    echo(f"  outstanding       {figures.outstanding:>10,} tokens in citizens' wallets")
    echo(f"  escrow funded     {_money(figures.escrow_funded):>20}")
    echo(f"  paid to merchants {_money(figures.paid_out):>20}")
    echo(
        f"  escrow balance    {_money(figures.escrow_balance):>20}  (backs {_money(figures.outstanding_value)} outstanding)"
    )
    echo("")
    return figures
