"""`make bench`: gas per operation, against the plain OpenZeppelin way and the gas-schedule floor.

Gas units come from receipts on a fresh local Ganache (deterministic for a given compiler and
settings); throughput figures are wall-clock on this machine and only indicative. Results go to
bench/results.json, committed so that a change in cost shows in review.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from civicledger import artifacts, benefits, chain, devchain, land, payments, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.deploy import deploy_suite

FACE = 10_000_000
DISTRIBUTE_RECIPIENTS = 200
REDEEM_PROGRAMS = 10

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
        started = time.perf_counter()
        used = r.measure(
            "distribute",
            r.city,
            r.token.functions.distribute(
                main, keccak(text="bench"), recipients, [5] * len(recipients)
            ),
        )
        elapsed = time.perf_counter() - started
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
        throughput["distribute_recipients_per_second"] = round(DISTRIBUTE_RECIPIENTS / elapsed, 1)

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
        for key, value in land.benchmark(dev.w3, actors).items():
            group, name = key.split(".", 1)
            (gas if group == "gas" else base)[name] = value
        client = dev.client_version
        size = len(
            bytes.fromhex(artifacts.load("BenefitToken").deployed_bytecode.removeprefix("0x"))
        )

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
        "meta": {
            "client": client,
            "compiler": artifacts.load("BenefitToken").compiler,
            "benefit_token_runtime_bytes": size,
            "python": platform.python_version(),
            "notes": {
                "gas": "gas units from receipts, deterministic for the pinned compiler settings",
                "throughput": "wall-clock on the machine that ran the benchmark; indicative only",
                "distribute_per_recipient": f"one batch of {DISTRIBUTE_RECIPIENTS} new recipients, per-citizen cap on",
                "redeem": "one program, merchant's payout already paid before, merchant redeems all it holds",
            },
        },
    }
    # flat keys, as the issue names them (gas.redeem, baseline.redeem, …)
    results["flat"] = {
        f"{group}.{k}": v
        for group in ("gas", "baseline", "floor")
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
        echo(f"{key:32} {value:>9,}")
    return results
