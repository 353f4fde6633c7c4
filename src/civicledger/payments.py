"""Gasless payments: a citizen signs an EIP-712 PaymentAuthorization offline, a merchant submits it.

The typed data matches what MetaMask's `eth_signTypedData_v4` and ethers.js `signTypedData` sign,
so an authorization made in a browser wallet and one made here are interchangeable.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
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
            auth["nonce"] = bytes.fromhex(auth["nonce"].removeprefix("0x"))
            return cls(
                authorization=PaymentAuthorization(**auth),
                signature=bytes.fromhex(data["signature"].removeprefix("0x")),
                chain_id=int(data["chainId"]),
                verifying_contract=Web3.to_checksum_address(data["verifyingContract"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CivicError(f"not a signed payment authorization: {exc}") from None


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
    return Account.recover_message(signable, signature=payment.signature)


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
