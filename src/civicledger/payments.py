"""Gasless payments: a citizen signs an EIP-712 PaymentAuthorization offline, a merchant submits it.

The typed data matches what MetaMask's `eth_signTypedData_v4` and ethers.js `signTypedData` sign,
so an authorization made in a browser wallet and one made here are interchangeable.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import event_abi_to_log_topic
from web3 import Web3
from web3.contract import Contract

from civicledger import chain
from civicledger.errors import CivicError

DOMAIN_NAME = "CivicLedger Settlement"
DOMAIN_VERSION = "1"

PAYMENT_TYPES = {
    "PaymentAuthorization": [
        {"name": "citizen", "type": "address"},
        {"name": "merchant", "type": "address"},
        {"name": "programId", "type": "uint256"},
        {"name": "amount", "type": "uint256"},
        {"name": "nonce", "type": "bytes32"},
        {"name": "validAfter", "type": "uint256"},
        {"name": "validBefore", "type": "uint256"},
    ]
}
CANCEL_TYPES = {
    "CancelAuthorization": [
        {"name": "citizen", "type": "address"},
        {"name": "nonce", "type": "bytes32"},
    ]
}


@dataclass(frozen=True)
class PaymentAuthorization:
    """What a citizen signs: pay `amount` tokens of `program_id` to `merchant`, once (`nonce`),
    between `valid_after` and `valid_before` (unix seconds, both exclusive)."""

    citizen: str
    merchant: str
    program_id: int
    amount: int
    nonce: bytes
    valid_after: int
    valid_before: int

    def message(self) -> dict[str, Any]:
        return {
            "citizen": Web3.to_checksum_address(self.citizen),
            "merchant": Web3.to_checksum_address(self.merchant),
            "programId": self.program_id,
            "amount": self.amount,
            "nonce": self.nonce,
            "validAfter": self.valid_after,
            "validBefore": self.valid_before,
        }

    def call_args(self) -> tuple:
        m = self.message()
        return (
            m["citizen"],
            m["merchant"],
            m["programId"],
            m["amount"],
            m["nonce"],
            m["validAfter"],
            m["validBefore"],
        )


@dataclass(frozen=True)
class SignedPayment:
    """An authorization with its signature and the contract and chain it is for: what a citizen
    hands the merchant (as JSON, a QR code, a file)."""

    authorization: PaymentAuthorization
    signature: bytes
    chain_id: int
    verifying_contract: str

    def to_json(self) -> str:
        data = asdict(self.authorization)
        data["nonce"] = "0x" + self.authorization.nonce.hex()
        return json.dumps(
            {
                "authorization": data,
                "signature": "0x" + self.signature.hex(),
                "chainId": self.chain_id,
                "verifyingContract": self.verifying_contract,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> SignedPayment:
        try:
            data = json.loads(text)
            auth = dict(data["authorization"])
            if set(auth) != _AUTH_FIELDS:
                raise ValueError(f"its authorization has the fields {sorted(auth)}")
            nonce = bytes.fromhex(auth["nonce"].removeprefix("0x"))
            if len(nonce) != 32:
                raise ValueError(f"its nonce is {len(nonce)} bytes, not 32")
            return cls(
                authorization=PaymentAuthorization(
                    citizen=chain.checksum(auth["citizen"], "citizen"),
                    merchant=chain.checksum(auth["merchant"], "merchant"),
                    program_id=_uint(auth["program_id"], "program_id"),
                    amount=_uint(auth["amount"], "amount"),
                    nonce=nonce,
                    valid_after=_uint(auth["valid_after"], "valid_after"),
                    valid_before=_uint(auth["valid_before"], "valid_before"),
                ),
                signature=bytes.fromhex(data["signature"].removeprefix("0x")),
                chain_id=_uint(data["chainId"], "chainId"),
                verifying_contract=chain.checksum(data["verifyingContract"], "verifyingContract"),
            )
        except (ValueError, KeyError, TypeError, AttributeError, CivicError) as exc:
            raise CivicError(f"not a signed payment authorization: {exc}") from None

    def to_text(self) -> str:
        """The compact `civicpay:1:…` form a QR code carries (see `_payment_to_text`)."""
        return _payment_to_text(self)

    @classmethod
    def from_text(cls, text: str) -> SignedPayment:
        """The payment a `civicpay:1:…` text holds; CivicError in one line if it holds none."""
        return _payment_from_text(text)


_AUTH_FIELDS = {f.name for f in fields(PaymentAuthorization)}


def _uint(value: Any, what: str) -> int:
    """A uint256 from JSON: a number, or a decimal or 0x string (as JavaScript wallets write big
    numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{what} {value!r} is not a whole number")
    number = value if isinstance(value, int) else int(value, 0)
    if not 0 <= number < 2**256:
        raise ValueError(f"{what} {value!r} is not a uint256")
    return number


def domain(chain_id: int, verifying_contract: str) -> dict[str, Any]:
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": Web3.to_checksum_address(verifying_contract),
    }


def typed_data(
    auth: PaymentAuthorization, chain_id: int, verifying_contract: str
) -> dict[str, Any]:
    """The full EIP-712 document, as wallets take it."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            **PAYMENT_TYPES,
        },
        "primaryType": "PaymentAuthorization",
        "domain": domain(chain_id, verifying_contract),
        "message": auth.message(),
    }


def new_nonce() -> bytes:
    """A random 32-byte nonce: EIP-3009 nonces are unordered, so any unused value works."""
    return os.urandom(32)


def authorize(
    citizen: LocalAccount,
    *,
    merchant: str,
    program_id: int,
    amount: int,
    chain_id: int,
    verifying_contract: str,
    valid_for: int = 3600,
    valid_after: int | None = None,
    nonce: bytes | None = None,
) -> SignedPayment:
    """Sign a payment authorization with the citizen's key, valid for `valid_for` seconds."""
    now = int(time.time())
    auth = PaymentAuthorization(
        citizen=citizen.address,
        merchant=Web3.to_checksum_address(merchant),
        program_id=program_id,
        amount=amount,
        nonce=nonce or new_nonce(),
        valid_after=now - 60 if valid_after is None else valid_after,
        valid_before=(now if valid_after is None else valid_after) + valid_for,
    )
    signable = encode_typed_data(full_message=typed_data(auth, chain_id, verifying_contract))
    signature = citizen.sign_message(signable).signature
    return SignedPayment(
        auth, bytes(signature), chain_id, Web3.to_checksum_address(verifying_contract)
    )


def signer_of(payment: SignedPayment) -> str:
    """The address that signed `payment` (ECDSA only; contract wallets verify on chain)."""
    auth = payment.authorization
    signable = encode_typed_data(
        full_message=typed_data(auth, payment.chain_id, payment.verifying_contract)
    )
    try:
        return Account.recover_message(signable, signature=payment.signature)
    except Exception as exc:  # noqa: BLE001 - eth-keys/eth-utils raise several kinds
        raise CivicError(
            f"signature 0x{payment.signature.hex()[:16]}… of {len(payment.signature)} bytes is "
            f"not an ECDSA signature: {exc}"
        ) from None


def verify(payment: SignedPayment) -> None:
    """Raise CivicError unless the citizen named in the authorization signed it."""
    signer = signer_of(payment)
    if signer != Web3.to_checksum_address(payment.authorization.citizen):
        raise CivicError(
            f"authorization names citizen {payment.authorization.citizen} but was signed by {signer}"
        )


def submit(
    w3: Web3, submitter: LocalAccount, token: Contract, payment: SignedPayment
) -> chain.Receipt:
    """Submit a signed payment: the citizen's tokens are burnt and the merchant paid, in one tx."""
    if payment.verifying_contract != token.address or payment.chain_id != w3.eth.chain_id:
        raise CivicError(
            f"authorization is for contract {payment.verifying_contract} on chain {payment.chain_id}, "
            f"not {token.address} on chain {w3.eth.chain_id}"
        )
    return chain.transact(
        w3,
        submitter,
        token.functions.payWithAuthorization(*payment.authorization.call_args(), payment.signature),
    )


def sign_cancel(
    citizen: LocalAccount, nonce: bytes, chain_id: int, verifying_contract: str
) -> bytes:
    """The citizen's signature cancelling the authorization with `nonce`."""
    signable = encode_typed_data(
        domain_data=domain(chain_id, verifying_contract),
        message_types=CANCEL_TYPES,
        message_data={"citizen": citizen.address, "nonce": nonce},
    )
    return bytes(citizen.sign_message(signable).signature)


def cancel(
    w3: Web3, submitter: LocalAccount, token: Contract, citizen: str, nonce: bytes, signature: bytes
) -> chain.Receipt:
    return chain.transact(
        w3, submitter, token.functions.cancelAuthorization(citizen, nonce, signature)
    )


# --------------------------------------------------------------------------------------------
# The compact text form: what a QR code carries


TEXT_PREFIX = "civicpay:1:"


def _pack_int(value: int) -> bytes:
    """A uint256 as one length byte and its minimal big-endian bytes (0 is a lone zero byte)."""
    if not 0 <= value < 2**256:
        raise CivicError(f"{value} does not fit a uint256")
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return bytes([len(raw)]) + raw


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, count: int, what: str) -> bytes:
        if self.at + count > len(self.data):
            raise ValueError(f"it ends before its {what}")
        part = self.data[self.at : self.at + count]
        self.at += count
        return part

    def uint(self, what: str) -> int:
        size = self.take(1, what)[0]
        if size > 32:
            raise ValueError(f"its {what} is longer than 32 bytes")
        raw = self.take(size, what)
        if raw[:1] == b"\x00":  # one encoding per value, so text → payment → text is exact
            raise ValueError(f"its {what} has a leading zero byte")
        return int.from_bytes(raw, "big")

    def address(self, what: str) -> str:
        return Web3.to_checksum_address(self.take(20, what))


def _payment_to_text(payment: SignedPayment) -> str:
    """`civicpay:1:` and the base64url (unpadded) of: chain id, verifying contract, citizen,
    merchant, program id, amount, nonce, valid after, valid before, signature (integers as a
    length byte and minimal big-endian bytes, the signature after a two-byte length): about 240
    characters for an ECDSA signature, which fits a version-10 QR code."""
    auth = payment.authorization
    if len(auth.nonce) != 32:
        raise CivicError(f"nonce must be 32 bytes, not {len(auth.nonce)}")
    if len(payment.signature) >= 2**16:
        raise CivicError("signature too long for the text form")
    packed = b"".join(
        [
            _pack_int(payment.chain_id),
            bytes.fromhex(Web3.to_checksum_address(payment.verifying_contract)[2:]),
            bytes.fromhex(Web3.to_checksum_address(auth.citizen)[2:]),
            bytes.fromhex(Web3.to_checksum_address(auth.merchant)[2:]),
            _pack_int(auth.program_id),
            _pack_int(auth.amount),
            auth.nonce,
            _pack_int(auth.valid_after),
            _pack_int(auth.valid_before),
            len(payment.signature).to_bytes(2, "big"),
            payment.signature,
        ]
    )
    return TEXT_PREFIX + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def _payment_from_text(text: str) -> SignedPayment:
    body = text.strip()
    if not body.startswith(TEXT_PREFIX):
        shown = body[:24] + ("…" if len(body) > 24 else "")
        raise CivicError(f"not a civicpay text: {shown!r} does not start with {TEXT_PREFIX!r}")
    encoded = body[len(TEXT_PREFIX) :]
    try:
        if not re.fullmatch(r"[A-Za-z0-9_-]*", encoded) or len(encoded) % 4 == 1:
            raise ValueError("its payload is not base64url")
        data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if base64.urlsafe_b64encode(data).decode("ascii").rstrip("=") != encoded:
            raise ValueError("its payload is not canonical base64url")
        r = _Reader(data)
        chain_id = r.uint("chain id")
        contract = r.address("verifying contract")
        auth = PaymentAuthorization(
            citizen=r.address("citizen"),
            merchant=r.address("merchant"),
            program_id=r.uint("program id"),
            amount=r.uint("amount"),
            nonce=r.take(32, "nonce"),
            valid_after=r.uint("valid-after time"),
            valid_before=r.uint("valid-before time"),
        )
        signature = r.take(int.from_bytes(r.take(2, "signature length"), "big"), "signature")
        if r.at != len(data):
            raise ValueError(f"{len(data) - r.at} bytes follow its signature")
    except ValueError as exc:
        raise CivicError(f"not a civicpay text: {exc}") from None
    return SignedPayment(auth, signature, chain_id, contract)


def read_payments(text: str, source: str = "the input") -> list[SignedPayment]:
    """Every signed payment in `text`: one JSON object as `to_json` writes it, a JSON list of
    them, or `civicpay:1:` texts one per line (blank lines and `#` comments ignored)."""
    body = text.strip()
    if not body:
        raise CivicError(f"{source} is empty: expected signed payment authorizations")
    if body[0] in "[{":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise CivicError(f"{source} is not valid JSON: {exc}") from None
        items = data if isinstance(data, list) else [data]
        found = []
        for number, item in enumerate(items, 1):
            try:
                found.append(SignedPayment.from_json(json.dumps(item)))
            except CivicError as exc:
                raise CivicError(f"{source}, authorization {number}: {exc}") from None
        if not found:
            raise CivicError(f"{source} holds an empty list: no authorizations")
        return found
    found = []
    for number, line in enumerate(body.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            found.append(SignedPayment.from_text(line))
        except CivicError as exc:
            raise CivicError(f"{source}, line {number}: {exc}") from None
    return found


def is_used(token: Contract, payment: SignedPayment) -> bool:
    """True once the payment's nonce was used or cancelled (`authorizationState`)."""
    auth = payment.authorization
    return chain.call(
        token.functions.authorizationState(Web3.to_checksum_address(auth.citizen), auth.nonce)
    )


# --------------------------------------------------------------------------------------------
# A merchant's statement, from events alone


@dataclass(frozen=True)
class Settlement:
    """Tokens of one program burnt and paid out to a merchant's payout address.

    `payer` held the tokens: the merchant itself (it redeemed wallet-way tokens) or a citizen
    (a signed payment). `value` is in settlement-token units (amount × the program's face value).
    """

    block: int
    tx_hash: str
    log_index: int
    payer: str
    payout: str
    program_id: int
    amount: int
    value: int
    redeemed: bool


@dataclass(frozen=True)
class Statement:
    merchant: str
    from_block: int
    to_block: int
    settlements: list[Settlement]
    # payout address → other merchants that paid into it too (signed payments into a shared
    # payout cannot be told apart by events alone: they are listed for each of its merchants)
    shared_payouts: dict[str, list[str]]

    def totals(self) -> dict[int, tuple[int, int]]:
        """{program id: (tokens, value)} over the statement."""
        out: dict[int, tuple[int, int]] = {}
        for s in self.settlements:
            tokens, value = out.get(s.program_id, (0, 0))
            out[s.program_id] = (tokens + s.amount, value + s.value)
        return dict(sorted(out.items()))

    @property
    def total_value(self) -> int:
        return sum(s.value for s in self.settlements)


def _logs(w3: Web3, query: dict[str, Any], from_block: int, to_block: int, chunk: int) -> list[Any]:
    found: list[Any] = []
    start = max(0, from_block)
    while start <= to_block:
        end = min(to_block, start + chunk - 1)
        try:
            found.extend(w3.eth.get_logs({**query, "fromBlock": start, "toBlock": end}))
        except ValueError as exc:
            raise CivicError(
                f"the node refused eth_getLogs for blocks {start}-{end}: {exc}"
            ) from None
        start = end + 1
    return found


def statement(
    w3: Web3,
    token: Contract,
    merchant: str,
    *,
    from_block: int,
    to_block: int | None = None,
    chunk: int = 10_000,
) -> Statement:
    """What `merchant` was paid between two blocks, rebuilt from events alone.

    Every settlement emits ERC-7291's `TokenUnwrapForTarget(from, to, tokenIds, amounts, …)`,
    none of whose fields is indexed, so all of them are read, `chunk` blocks a request, and
    matched with the merchant's payout addresses over time (its `MerchantOnboarded` events):
    one whose `from` is the merchant is a redemption, one whose `from` is not a merchant and
    whose `to` was the merchant's payout at that moment is a citizen's signed payment.
    """
    merchant = Web3.to_checksum_address(merchant)
    head = w3.eth.block_number if to_block is None else to_block
    onboarded = sorted(
        (
            (log["blockNumber"], log["logIndex"], e["args"]["merchant"], e["args"]["payout"])
            for log in _logs(
                w3,
                {"address": token.address, "topics": [_topic(token, "MerchantOnboarded")]},
                from_block,
                head,
                chunk,
            )
            for e in [token.events.MerchantOnboarded().process_log(log)]
        ),
    )
    unwraps = _logs(
        w3,
        {"address": token.address, "topics": [_topic(token, "TokenUnwrapForTarget")]},
        from_block,
        head,
        chunk,
    )
    face_values: dict[int, int] = {}
    found: list[Settlement] = []
    shared: dict[str, set[str]] = {}
    for log in unwraps:
        args = token.events.TokenUnwrapForTarget().process_log(log)["args"]
        when = (log["blockNumber"], log["logIndex"])
        payouts = {m: p for b, i, m, p in onboarded if (b, i) < when}  # latest record wins
        payer, payout = args["from"], args["to"]
        if payer != merchant and (payer in payouts or payouts.get(merchant) != payout):
            continue  # another merchant's redemption, or money to another payout
        if payer != merchant:
            others = [m for m, p in payouts.items() if p == payout and m != merchant]
            if others:
                shared.setdefault(payout, set()).update(others)
        for pid, amount in zip(args["tokenIds"], args["amounts"], strict=True):
            if pid not in face_values:
                face_values[pid] = chain.call(token.functions.getTokenDetails(pid))[1]
            found.append(
                Settlement(
                    block=log["blockNumber"],
                    tx_hash="0x" + bytes(log["transactionHash"]).hex(),
                    log_index=log["logIndex"],
                    payer=payer,
                    payout=payout,
                    program_id=pid,
                    amount=amount,
                    value=amount * face_values[pid],
                    redeemed=payer == merchant,
                )
            )
    return Statement(
        merchant=merchant,
        from_block=from_block,
        to_block=head,
        settlements=found,
        shared_payouts={k: sorted(v) for k, v in shared.items()},
    )


def _topic(token: Contract, event: str) -> str:
    return "0x" + event_abi_to_log_topic(getattr(token.events, event)().abi).hex()
