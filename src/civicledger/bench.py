"""`make bench`: gas per operation, against the plain OpenZeppelin way and the gas-schedule floor.

Gas units come from receipts on a fresh local Ganache (deterministic for a given compiler and
settings); throughput figures are wall-clock on this machine and only indicative: 10,000
citizens distributed through the tool's own path on Ganache and on Anvil, and from their gas a
projection of a 1,000,000-citizen cycle on Ethereum mainnet and an L2. Results go to
bench/results.json, committed so that a change in cost shows in review.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from civicledger import artifacts, benefits, chain, devchain, distribution, land, payments, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.deploy import deploy_suite
from civicledger.errors import CivicError

FACE = 10_000_000
DISTRIBUTE_RECIPIENTS = 200
REDEEM_PROGRAMS = 10
THROUGHPUT_CITIZENS = 10_000
THROUGHPUT_TARGETS = {"ganache": 90.0, "anvil": 3_000.0}  # citizens a second, the issue's
# Ganache answers eth_sendRawTransaction only once it has mined the block (instamine "eager"),
# so only one batch is ever in flight there whatever the window; the CLI's default is kept.
GANACHE_WINDOW = 8
# Anvil for the throughput run, chosen by measuring 10,000 citizens (2 cores, shared machine):
# automine (a block per transaction, mined as it arrives, beside Python's signing of the next)
# finished the sends as fast as interval mining did at --block-time 0.2 or 0.5 (fractions are
# accepted) and has no last-block wait at the end, and the setup's ~15 transactions do not each
# wait for a block tick (+1.7 s with 0.2 s blocks). One interval-mining run with --prune-history
# failed in setup ("BlockOutOfRangeError: block height is 1 but requested was 0"); automine with
# it never did. The 300M block gas limit lets many 16.5M-gas batches share a block under
# interval mining and is harmless with automine; --prune-history keeps only the latest state.
# The window (transactions in flight) is 32, more than the run's 20 batches: with automine
# fewer than two are in flight at a time anyway, since Anvil mines a batch faster than Python
# builds and signs the next; and the sender never waits on a full window, where it currently
# drops the receipts it collects from the run's Report (`report_batches_mined` shows it).
ANVIL_SETTINGS: dict[str, Any] = {
    "chain_id": 31337,
    "hardfork": "shanghai",
    "block_gas_limit": 300_000_000,
    "block_time": None,  # automine
    "prune_history": True,
}
ANVIL_WINDOW = 32

# Assumptions of the 1,000,000-citizen projection (public figures; check before relying on them)
PROJECTION_CHAINS: dict[str, dict[str, Any]] = {
    "ethereum_mainnet": {
        "block_gas_limit": 60_000_000,
        "block_seconds": 12,
        # of each block's gas, on average while the run lasts (a 16.4M-gas batch every few
        # blocks: the distribution does not crowd out everyone else, nor pay to)
        "realistic_share": 0.10,
        "gas_price_gwei": [1, 10],
        "assumption": "60M gas a block (validators' limit since late 2025: 36M to mid-2025, then"
        " 45M; they can move it, check the current one), 12 s slots, 10 % of every block's gas"
        " for the distribution",
    },
    "l2_op_stack": {
        "block_gas_limit": 150_000_000,
        "block_seconds": 2,
        "realistic_share": 0.10,
        "gas_price_gwei": [0.01],
        "assumption": "an OP Stack L2 such as Base: 150M gas a block (assumed; each chain sets"
        " and changes its own, check it), 2 s blocks, L2 gas at 0.01 gwei; the L1 data fee for"
        " the calldata is not included (see calldata_bytes)",
    },
}

TARGETS = {
    "distribute_per_recipient": 33_000,
    "citizen_transfer_to_merchant": 50_000,
    "redeem": 60_000,
    "pay_with_authorization": 95_000,
}

# Gas-schedule constants (Shanghai): the least any implementation must pay.
TX_BASE = 21_000
SSTORE_SET = 20_000  # zero to non-zero
SSTORE_RESET = 2_900  # non-zero to non-zero (plus the cold read below)
COLD_SLOAD = 2_100
COLD_ACCOUNT = 2_600  # first touch of another account (a CALL, EXTCODESIZE)
ECRECOVER = 3_000
SSTORE_CLEAR_REFUND = 4_800  # EIP-3529: refund for setting a slot back to zero


def log_cost(topics: int, data_bytes: int) -> int:
    return 375 + 375 * topics + 8 * data_bytes


def calldata_cost(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


TRANSFER_SINGLE = log_cost(4, 64)  # ERC-1155 TransferSingle: 3 indexed + signature, 2 words
ERC20_TRANSFER = log_cost(3, 32)
BALANCE_UPDATE = COLD_SLOAD + SSTORE_RESET


def floors(inputs: dict[str, bytes]) -> dict[str, int]:
    """The gas-schedule floor of each operation: what storage, logs, calls and calldata cost at
    the least, with no code executed beyond them. Each line names what the operation must do."""
    return {
        # per recipient: a new balance slot, the receiver's code-size check (ERC-1155 acceptance),
        # one TransferSingle, 64 bytes of calldata (address, amount)
        "distribute_per_recipient": SSTORE_SET
        + COLD_SLOAD
        + COLD_ACCOUNT
        + TRANSFER_SINGLE
        + calldata_cost(bytes(12) + bytes([1] * 20) + bytes(31) + b"\x01"),
        # two balances, the merchant's code-size check, one TransferSingle
        "citizen_transfer_to_merchant": TX_BASE
        + calldata_cost(inputs["citizen_transfer_to_merchant"])
        + 2 * BALANCE_UPDATE
        + COLD_ACCOUNT
        + TRANSFER_SINGLE,
        # burn the merchant's whole balance (cleared: refunded), call the stablecoin, move two
        # balances, two logs; no counter (the plain way keeps none either)
        "redeem": TX_BASE
        + calldata_cost(inputs["redeem"])
        + BALANCE_UPDATE
        - SSTORE_CLEAR_REFUND
        + COLD_ACCOUNT
        + 2 * BALANCE_UPDATE
        + TRANSFER_SINGLE
        + ERC20_TRANSFER,
        # as redeem, plus the signature check and a new nonce slot
        "pay_with_authorization": TX_BASE
        + calldata_cost(inputs["pay_with_authorization"])
        + ECRECOVER
        + SSTORE_SET
        + COLD_SLOAD
        + 2 * BALANCE_UPDATE
        + COLD_ACCOUNT
        + 2 * BALANCE_UPDATE
        + TRANSFER_SINGLE
        + ERC20_TRANSFER,
        # pull the stablecoin (two balances, allowance), count it in a new escrow slot
        "fund_program": TX_BASE
        + calldata_cost(inputs["fund_program"])
        + COLD_ACCOUNT
        + 3 * BALANCE_UPDATE
        + SSTORE_SET
        + COLD_SLOAD
        + ERC20_TRANSFER,
    }


def _addresses(seed: str, count: int) -> list[str]:
    return [Web3.to_checksum_address(keccak(text=f"{seed}:{i}")[-20:]) for i in range(count)]


class _Run:
    """One benchmark session on a fresh chain: the suite, a plain baseline, and the actors."""

    def __init__(self, w3: Web3, accounts: list[LocalAccount]):
        self.w3 = w3
        self.city, self.treasurer = accounts[0], accounts[1]
        self.alice, self.bob = accounts[5], accounts[6]
        self.pharmacy, self.pharmacy_bank = accounts[7], accounts[11]
        self.tmp = tempfile.TemporaryDirectory()
        suite = deploy_suite(w3, self.city, deployments=Path(self.tmp.name))
        self.token: Contract = suite.benefits
        self.usd: Contract = suite.stablecoin
        self.plain, _ = chain.deploy(w3, self.city, "PlainVoucher", self.usd.address)
        self.inputs: dict[str, bytes] = {}

        roles.grant_roles(
            w3,
            self.city,
            self.token,
            {
                "PROGRAM_MANAGER_ROLE": self.city.address,
                "MERCHANT_MANAGER_ROLE": self.city.address,
                "DISTRIBUTOR_ROLE": self.city.address,
                "TREASURER_ROLE": self.treasurer.address,
            },
        )
        self.send(self.city, self.usd.functions.mint(self.treasurer.address, 10**14))
        self.send(self.city, self.usd.functions.mint(self.pharmacy_bank.address, 1))
        self.send(
            self.city, self.usd.functions.mint(self.pharmacy.address, 1)
        )  # plain pays msg.sender
        self.send(self.treasurer, self.usd.functions.approve(self.token.address, 2**256 - 1))
        self.send(self.treasurer, self.usd.functions.approve(self.plain.address, 2**256 - 1))
        benefits.onboard_merchant(
            w3,
            self.city,
            self.token,
            self.pharmacy.address,
            MerchantCategory.PHARMACY,
            1,
            self.pharmacy_bank.address,
        )

    def send(self, account: LocalAccount, call: Any) -> chain.Receipt:
        return chain.transact(self.w3, account, call)

    def measure(self, name: str, account: LocalAccount, call: Any) -> int:
        receipt = self.send(account, call)
        self.inputs[name] = bytes(self.w3.eth.get_transaction(receipt.tx_hash)["input"])
        return receipt.gas_used

    def new_program(self, name: str, budget: int = 100_000) -> int:
        now = self.w3.eth.get_block("latest")["timestamp"]
        config = benefits.ProgramConfig(
            name=name,
            category=ProgramCategory.HEALTH,
            face_value=FACE,
            budget=budget,
            valid_from=now - 1,
            valid_until=now + 365 * 86400,
            merchant_categories=bits([MerchantCategory.PHARMACY]),
            districts=bits([1]),
            uri=f"ipfs://{name}.json",
        )
        program_id = benefits.create_program(self.w3, self.city, self.token, config)
        self.send(self.city, self.plain.functions.setFaceValue(program_id, FACE))
        return program_id


def land_benchmark(w3: Web3, actors: Mapping[str, LocalAccount]) -> dict[str, int]:
    """Gas units of the registry's main operations beside a plain OpenZeppelin ERC-721.

    Fresh contracts on a dev chain. Registrations, mints and transfers go to owners with no
    title yet, and a warm-up registration first sets the registry's id counters, so both sides
    pay the same storage transitions and the difference is the registry's own bookkeeping.
    """
    city, registrar, lender = actors["city"], actors["registrar"], actors["lender"]
    alice, bob = actors["alice"], actors["bob"]
    registry, _ = chain.deploy(w3, city, "LandRegistry", city.address, land.DEFAULT_BASE_URI)
    land.ensure_roles(w3, city, registry, actors)
    fn = registry.functions

    def gas(account: LocalAccount, call: Any) -> int:
        return chain.transact(w3, account, call).gas_used

    def spec(name: str, area: int) -> tuple[bytes, bytes, int, bytes]:
        return land.ParcelSpec(
            name, land.document_hash(name), area, land.document_hash(f"deed {name}")
        ).as_tuple()

    def reg(owner: str, name: str, area: int) -> int:
        return gas(registrar, fn.register(owner, *spec(name, area), f"ipfs://{name}"))

    reg(city.address, "BENCH-WARMUP", 100)
    results = {"gas.land_register": reg(alice.address, "BENCH-1", 1_000)}  # parcel 2

    expires = w3.eth.get_block("latest")["timestamp"] + 30 * land.DAY
    results["gas.land_transfer_total"] = (
        gas(
            alice,
            fn.proposeTransfer(
                2, bob.address, land.to_bytes32("EUR-1"), land.document_hash("d"), expires
            ),
        )
        + gas(bob, fn.acceptTransfer(1))
        + gas(registrar, fn.approveTransfer(1))
    )
    results["gas.land_lien_add"] = gas(
        lender, fn.addLien(2, land.to_bytes32("EUR-1"), land.document_hash("mortgage"))
    )
    reg(alice.address, "BENCH-2", 1_000)  # parcel 3: unencumbered, to subdivide
    results["gas.land_subdivide_2"] = gas(
        registrar, fn.subdivide(3, [spec("BENCH-2A", 600), spec("BENCH-2B", 400)])
    )

    plain, _ = chain.deploy(w3, city, "PlainERC721")
    results["baseline.erc721_mint"] = gas(city, plain.functions.mint(alice.address, 1))
    results["baseline.erc721_transfer"] = gas(
        alice, plain.functions.transferFrom(alice.address, bob.address, 1)
    )
    return results


def distribution_throughput(
    dev: devchain.DevChain, *, window: int, citizens: int = THROUGHPUT_CITIZENS
) -> dict[str, Any]:
    """Distribute to `citizens` new citizens the way `civic distribute` does (a spreadsheet read
    and checked, a journal beside it, then `distribution.distribute` with every check on:
    preflight, first-batch simulation, pipelined sends) on a fresh suite, timed from outside.

    Where the time goes comes from the progress events: until the first "sent" it is reading
    the rows and checking them against the chain; then sending; then waiting for the last
    receipt. Transactions, gas and blocks are read back from the chain afterwards (untimed),
    from the hashes the "sent" events gave, so they do not rest on the run's own report.
    """
    w3 = dev.w3
    city, treasurer = dev.accounts[0], dev.accounts[1]
    from_block = w3.eth.block_number
    with tempfile.TemporaryDirectory() as tmp:
        suite = deploy_suite(w3, city, deployments=Path(tmp))
    token, usd = suite.benefits, suite.stablecoin
    roles.grant_roles(
        w3,
        city,
        token,
        {
            "PROGRAM_MANAGER_ROLE": city.address,
            "DISTRIBUTOR_ROLE": city.address,
            "TREASURER_ROLE": treasurer.address,
        },
    )
    amount = 5
    budget = citizens * amount
    chain.transact(w3, city, usd.functions.mint(treasurer.address, budget * FACE))
    chain.transact(w3, treasurer, usd.functions.approve(token.address, budget * FACE))
    now = w3.eth.get_block("latest")["timestamp"]
    program_id = benefits.create_program(
        w3,
        city,
        token,
        benefits.ProgramConfig(
            name="bench-throughput",
            category=ProgramCategory.FOOD,
            face_value=FACE,
            budget=budget,
            valid_from=now - 1,
            valid_until=now + 365 * 86400,
            merchant_categories=bits([MerchantCategory.GROCERY]),
            districts=bits([1]),
            per_citizen_cap=10 * amount,  # a cap: preflight reads every citizen's balance
            uri="ipfs://bench-throughput.json",
        ),
    )
    chain.transact(w3, treasurer, token.functions.fundProgram(program_id, budget * FACE))

    stamps: dict[str, list[float]] = {"sent": [], "mined": [], "on-chain": []}
    hashes: list[str] = []

    def progress(kind: str, batch: distribution.Batch, info: Any) -> None:
        stamps[kind].append(time.perf_counter())
        if kind == "sent":
            hashes.append(info)

    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "citizens.csv"
        addresses = _addresses("throughput-citizens", citizens)
        sheet.write_text("address,amount\n" + "".join(f"{a},{amount}\n" for a in addresses))
        run_id = "bench-throughput"
        started = time.perf_counter()
        rows = distribution.read_csv(sheet)
        report = distribution.distribute(
            w3,
            city,
            token,
            program_id,
            rows,
            run_id=run_id,
            from_block=from_block,
            journal=distribution.journal_path(sheet, run_id),
            source=str(sheet),
            window=window,
            progress=progress,
        )
        elapsed = time.perf_counter() - started

    receipts = [
        w3.provider.make_request("eth_getTransactionReceipt", [h])["result"] for h in hashes
    ]
    if stamps["on-chain"] or not all(r and int(r["status"], 16) == 1 for r in receipts):
        raise CivicError("the throughput run was not a clean fresh run: figures not recorded")
    minted = chain.call(token.functions.program(program_id))[8]
    if minted != budget:
        raise CivicError(f"the throughput run minted {minted:,} tokens, not {budget:,}")
    gas_used = sum(int(r["gasUsed"], 16) for r in receipts)
    first_sent, last_sent = stamps["sent"][0], stamps["sent"][-1]
    done = started + elapsed
    return {
        "citizens": citizens,
        "citizens_per_s": round(citizens / elapsed, 1),
        "seconds": round(elapsed, 3),
        "transactions": len(receipts),
        "batch_size": report.batch_size,
        "window": window,
        "blocks": len({r["blockNumber"] for r in receipts}),
        "gas_used": gas_used,
        "gas_per_citizen": round(gas_used / citizens, 1),
        "gas_per_transaction_max": max(int(r["gasUsed"], 16) for r in receipts),
        # where the time goes (progress events; the sum is `seconds`)
        "seconds_read_and_check_before_first_send": round(first_sent - started, 3),
        "seconds_sending": round(last_sent - first_sent, 3),
        "seconds_last_receipts": round(done - last_sent, 3),
        # the run's own Report, beside what the chain says (they differ if batches mined while
        # the sender's window was full went unreported)
        "report_batches_mined": len(report.sent),
        "report_gas_used": report.gas_used,
    }


def projection(
    gas_per_citizen: float, gas_per_transaction: int, citizens: int = 1_000_000
) -> dict[str, Any]:
    """What a distribution of `citizens` takes on a public chain, from the measured gas per
    citizen and per full batch (batches of `distribution.default_batch_size()`, each under the
    per-transaction cap). The chains' figures are assumptions written beside the results."""
    size = distribution.default_batch_size()
    transactions = -(-citizens // size)
    gas_per_tx = gas_per_transaction
    total_gas = round(gas_per_citizen * citizens)
    if gas_per_tx > distribution.TX_GAS_CAP:
        raise CivicError(f"a batch of {size} takes {gas_per_tx:,} gas, over the per-tx cap")
    out: dict[str, Any] = {
        "citizens": citizens,
        "gas_per_citizen": gas_per_citizen,
        "batch_size": size,
        "transactions": transactions,
        "gas_per_transaction": gas_per_tx,
        "per_transaction_gas_cap": distribution.TX_GAS_CAP,
        "total_gas": total_gas,
        # selector, 4 head words and 2 array lengths a transaction; address and amount a citizen
        "calldata_bytes": transactions * (4 + 6 * 32) + citizens * 64,
    }
    for key, chain_ in PROJECTION_CHAINS.items():
        per_block = chain_["block_gas_limit"] // gas_per_tx  # whole batches in one block
        blocks_whole = -(-transactions // per_block)
        share_gas = chain_["block_gas_limit"] * chain_["realistic_share"]
        blocks_share = -(-total_gas // int(share_gas))
        figures: dict[str, Any] = {
            **chain_,
            "batches_per_full_block": per_block,
            "blocks_whole_blocks": blocks_whole,
            "hours_whole_blocks": round(blocks_whole * chain_["block_seconds"] / 3600, 2),
            "blocks_at_share": blocks_share,
            "hours_at_share": round(blocks_share * chain_["block_seconds"] / 3600, 2),
        }
        for gwei in chain_["gas_price_gwei"]:
            figures[f"eth_at_{gwei:g}_gwei"] = round(total_gas * gwei / 1e9, 4)
        out[key] = figures
    return out


def run(echo: Callable[[str], None] = print, output: Path | None = None) -> dict[str, Any]:
    """Run every measurement on a fresh Ganache and write the results as JSON."""
    with devchain.ganache(accounts=12) as dev:
        r = _Run(dev.w3, dev.accounts)
        gas: dict[str, int] = {}
        base: dict[str, int] = {}
        extra: dict[str, int] = {}
        throughput: dict[str, float] = {}

        main = r.new_program("bench-main")
        gas["fund_program"] = r.measure(
            "fund_program", r.treasurer, r.token.functions.fundProgram(main, 10**12)
        )
        base["fund_program"] = r.measure(
            "plain_fund", r.treasurer, r.plain.functions.fund(main, 10**12)
        )

        # Distribution: 200 new recipients in one batch, every rule on (a per-citizen cap too).
        r.send(
            r.city,
            r.token.functions.changeProgramRules(
                main, (100_000, 2**32 - 1, bits([1]), bits([1]), 50)
            ),
        )
        recipients = _addresses("bench-citizens", DISTRIBUTE_RECIPIENTS)
        used = r.measure(
            "distribute",
            r.city,
            r.token.functions.distribute(
                main, keccak(text="bench"), recipients, [5] * len(recipients)
            ),
        )
        gas["distribute_per_recipient"] = used // DISTRIBUTE_RECIPIENTS
        plain_recipients = _addresses("plain-citizens", DISTRIBUTE_RECIPIENTS)
        base["distribute_per_recipient"] = (
            r.measure(
                "plain_distribute",
                r.city,
                r.plain.functions.mintToMany(main, plain_recipients, [5] * 200),
            )
            // DISTRIBUTE_RECIPIENTS
        )

        # Citizens with ETH for gas: the wallet way.
        for citizen in (r.alice, r.bob):
            r.send(
                r.city,
                r.token.functions.distribute(
                    main, keccak(text=citizen.address), [citizen.address], [20]
                ),
            )
            r.send(r.city, r.plain.functions.mintToMany(main, [citizen.address], [20]))
        pay = r.token.functions.safeTransferFrom
        plain_pay = r.plain.functions.safeTransferFrom
        extra["citizen_transfer_to_merchant_first"] = r.measure(
            "first", r.alice, pay(r.alice.address, r.pharmacy.address, main, 2, b"")
        )
        r.send(r.alice, plain_pay(r.alice.address, r.pharmacy.address, main, 2, b""))
        gas["citizen_transfer_to_merchant"] = r.measure(
            "citizen_transfer_to_merchant",
            r.bob,
            pay(r.bob.address, r.pharmacy.address, main, 2, b""),
        )
        base["citizen_transfer_to_merchant"] = r.measure(
            "plain_transfer", r.bob, plain_pay(r.bob.address, r.pharmacy.address, main, 2, b"")
        )

        # Redeem: the merchant was paid before (payout balance non-zero) and redeems what it holds.
        r.send(r.pharmacy, r.token.functions.redeem([main], [1]))
        gas["redeem"] = r.measure("redeem", r.pharmacy, r.token.functions.redeem([main], [3]))
        r.send(r.pharmacy, r.plain.functions.redeem([main], [1]))
        base["redeem"] = r.measure(
            "plain_redeem", r.pharmacy, r.plain.functions.redeem([main], [3])
        )

        # Redeem across 10 programs in one transaction.
        programs = [r.new_program(f"bench-{i}") for i in range(REDEEM_PROGRAMS)]
        for pid in programs:
            r.send(r.treasurer, r.token.functions.fundProgram(pid, 100 * FACE))
            r.send(r.treasurer, r.plain.functions.fund(pid, 100 * FACE))
            r.send(
                r.city,
                r.token.functions.distribute(pid, keccak(text=f"b{pid}"), [r.alice.address], [3]),
            )
            r.send(r.city, r.plain.functions.mintToMany(pid, [r.alice.address], [3]))
        n = len(programs)
        r.send(
            r.alice,
            r.token.functions.safeBatchTransferFrom(
                r.alice.address, r.pharmacy.address, programs, [3] * n, b""
            ),
        )
        r.send(
            r.alice,
            r.plain.functions.safeBatchTransferFrom(
                r.alice.address, r.pharmacy.address, programs, [3] * n, b""
            ),
        )
        gas["redeem_batch_per_program"] = (
            r.measure("redeem_batch", r.pharmacy, r.token.functions.redeem(programs, [3] * n)) // n
        )
        base["redeem_batch_per_program"] = (
            r.measure("plain_redeem_batch", r.pharmacy, r.plain.functions.redeem(programs, [3] * n))
            // n
        )

        # Gasless: a signed authorization submitted by the merchant.
        chain_id = dev.w3.eth.chain_id
        now = dev.w3.eth.get_block("latest")["timestamp"]

        def signed(verifying: str) -> payments.SignedPayment:
            return payments.authorize(
                r.alice,
                merchant=r.pharmacy.address,
                program_id=main,
                amount=2,
                chain_id=chain_id,
                verifying_contract=verifying,
                valid_after=now - 60,
                valid_for=3600,
            )

        token_payment = signed(r.token.address)
        gas["pay_with_authorization"] = r.measure(
            "pay_with_authorization",
            r.pharmacy,
            r.token.functions.payWithAuthorization(
                *token_payment.authorization.call_args(), token_payment.signature
            ),
        )
        plain_payment = payments.authorize(
            r.alice,
            merchant=r.pharmacy.address,
            program_id=main,
            amount=2,
            chain_id=chain_id,
            verifying_contract=r.plain.address,
            valid_after=now - 60,
            valid_for=3600,
        )
        # The plain contract's domain is ("Plain", "1"): sign its digest the same way, by hand.
        from eth_account.messages import encode_typed_data

        doc = payments.typed_data(plain_payment.authorization, chain_id, r.plain.address)
        doc["domain"]["name"] = "Plain"
        plain_sig = r.alice.sign_message(encode_typed_data(full_message=doc)).signature
        base["pay_with_authorization"] = r.measure(
            "plain_pay",
            r.pharmacy,
            r.plain.functions.payWithAuthorization(
                *plain_payment.authorization.call_args(), plain_sig
            ),
        )

        count = 200
        started = time.perf_counter()
        for _ in range(count):
            signed(r.token.address)
        throughput["sign_payment_authorizations_per_second"] = round(
            count / (time.perf_counter() - started), 1
        )

        floor = floors(r.inputs)
        actors = dict(
            zip(
                ["city", "treasurer", "registrar", "court", "lender", "alice", "bob"],
                dev.accounts,
                strict=False,
            )
        )
        for key, value in land_benchmark(dev.w3, actors).items():
            group, name = key.split(".", 1)
            (gas if group == "gas" else base)[name] = value
        client = dev.client_version
        size = len(
            bytes.fromhex(artifacts.load("BenefitToken").deployed_bytecode.removeprefix("0x"))
        )

    # Distribution throughput, 10,000 citizens through the tool's own path, on fresh chains.
    runs: dict[str, dict[str, Any]] = {}
    with devchain.ganache(accounts=2) as dev:
        runs["ganache"] = distribution_throughput(dev, window=GANACHE_WINDOW)
        runs["ganache"]["client"] = dev.client_version
    with devchain.anvil(accounts=2, **ANVIL_SETTINGS) as dev:
        runs["anvil"] = distribution_throughput(dev, window=ANVIL_WINDOW)
        runs["anvil"]["client"] = dev.client_version
        runs["anvil"]["settings"] = dict(ANVIL_SETTINGS)
    for engine, figures in runs.items():
        throughput[f"distribute_{engine}_citizens_per_s"] = figures["citizens_per_s"]

    results: dict[str, Any] = {
        "gas": gas,
        "baseline": base,
        "floor": floor,
        "ratio_to_baseline": {k: round(gas[k] / base[k], 3) for k in gas if k in base},
        "ratio_land_to_erc721": {
            "land_register_vs_mint": round(gas["land_register"] / base["erc721_mint"], 3),
            "land_transfer_total_vs_transfer": round(
                gas["land_transfer_total"] / base["erc721_transfer"], 3
            ),
        },
        "ratio_to_floor": {k: round(gas[k] / floor[k], 3) for k in gas if k in floor},
        "targets": {k: {"limit": v, "gas": gas[k], "met": gas[k] <= v} for k, v in TARGETS.items()},
        "extra": extra,
        "throughput": throughput,
        "throughput_targets": {
            engine: {
                "citizens_per_s": runs[engine]["citizens_per_s"],
                "target": limit,
                "met": runs[engine]["citizens_per_s"] >= limit,
            }
            for engine, limit in THROUGHPUT_TARGETS.items()
        },
        "distribution_run": runs,
        "projection": {
            "one_million_citizens": projection(
                runs["ganache"]["gas_per_citizen"], runs["ganache"]["gas_per_transaction_max"]
            )
        },
        "meta": {
            "client": client,
            "compiler": artifacts.load("BenefitToken").compiler,
            "benefit_token_runtime_bytes": size,
            "python": platform.python_version(),
            "notes": {
                "gas": "gas units from receipts, deterministic for the pinned compiler settings",
                "throughput": "wall-clock on the machine that ran the benchmark; indicative only",
                "distribute_citizens_per_s": f"{THROUGHPUT_CITIZENS:,} new citizens through"
                " read_csv + distribution.distribute (preflight, first-batch simulation,"
                " pipelined sends, journal), per-citizen cap on, from reading the spreadsheet to"
                " the last receipt; gas and blocks read back from the chain",
                "projection": "from the measured gas per citizen; chain figures are assumptions"
                " (see each chain's 'assumption')",
                "distribute_per_recipient": f"one batch of {DISTRIBUTE_RECIPIENTS} new recipients, per-citizen cap on",
                "redeem": "one program, merchant's payout already paid before, merchant redeems all it holds",
            },
        },
    }
    # flat keys, as the issue names them (gas.redeem, baseline.redeem, …)
    results["flat"] = {
        f"{group}.{k}": v
        for group in ("gas", "baseline", "floor", "throughput")
        for k, v in results[group].items()
    }
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    for key, value in gas.items():
        b = base.get(key)
        f = floor.get(key)
        line = f"{key:32} {value:>9,} gas"
        if b:
            line += f"   plain OZ {b:>9,} (x{value / b:.2f})"
        if f:
            line += f"   floor {f:>9,} (x{value / f:.2f})"
        if key in TARGETS:
            line += f"   target {TARGETS[key]:,} {'met' if value <= TARGETS[key] else 'MISSED'}"
        echo(line)
    for key, value in throughput.items():
        echo(f"{key:40} {value:>9,}")
    for engine, figures in runs.items():
        met = figures["citizens_per_s"] >= THROUGHPUT_TARGETS[engine]
        echo(
            f"distribute {figures['citizens']:,} citizens on {engine}: "
            f"{figures['citizens_per_s']:,} /s ({figures['seconds']} s: "
            f"{figures['seconds_read_and_check_before_first_send']} s reading and checking, "
            f"{figures['seconds_sending']} s sending, {figures['seconds_last_receipts']} s last "
            f"receipts), {figures['transactions']} transactions, {figures['gas_per_citizen']:,} "
            f"gas a citizen; target {THROUGHPUT_TARGETS[engine]:,} {'met' if met else 'MISSED'}"
        )
    million = results["projection"]["one_million_citizens"]
    for key in PROJECTION_CHAINS:
        c = million[key]
        prices = ", ".join(
            f"{c[f'eth_at_{g:g}_gwei']:,} ETH at {g:g} gwei" for g in c["gas_price_gwei"]
        )
        echo(
            f"1,000,000 citizens on {key}: {million['transactions']:,} transactions, "
            f"{c['blocks_whole_blocks']:,} whole blocks ({c['hours_whole_blocks']} h), "
            f"{c['hours_at_share']} h at {c['realistic_share']:.0%} of each block; {prices}"
        )
    return results
