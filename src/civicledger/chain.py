"""Sending transactions with an eth-account signer, and decoding reverts by error name.

Every state-changing call in the package goes through `transact` or `deploy`, so gas handling,
signing and error decoding live in one place.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from typing import Any

import requests
from eth_abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, Web3Exception
from web3.providers.rpc import HTTPProvider

from civicledger import artifacts
from civicledger.errors import CivicError, ContractError, TransactionFailed

# Local dev chains the package may deploy development stand-ins to.
DEV_CHAIN_IDS = frozenset({1337, 31337})
RETRY_SECONDS_ENV = "CIVIC_RPC_RETRY_SECONDS"  # how long to keep asking a node that went away
DEFAULT_RETRY_SECONDS = 60.0

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)


@dataclass(frozen=True)
class Receipt:
    """What a user wants to see of a mined transaction."""

    tx_hash: str
    block_number: int
    gas_used: int
    contract_address: str | None
    logs: list[Any]
    raw: Any


# --------------------------------------------------------------------------------------------
# Talking to a node that may drop a request


class NodeUnreachable(CivicError):
    """The node stopped answering for longer than the retry window."""


# What may be asked again when the answer was lost: reads, and the broadcast of a signed
# transaction (the same bytes are the same transaction: a node that already has it says so,
# and the account's nonce forbids a second copy). Nothing that makes the node sign or mine.
_SAFE_PREFIXES = ("eth_get", "eth_call", "eth_estimate", "eth_fee", "net_", "web3_")
_SAFE = {
    "eth_chainId",
    "eth_blockNumber",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_syncing",
    "eth_sendRawTransaction",
}


def retry_safe(method: str) -> bool:
    return method in _SAFE or method.startswith(_SAFE_PREFIXES)


def _transient(exc: Exception) -> bool:
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return status >= 500 or status == 429
    return isinstance(exc, requests.ConnectionError | requests.Timeout)


class RetryingHTTPProvider(HTTPProvider):
    """An HTTP provider that asks again, with back-off, when a safe request's answer is lost
    (connection refused or dropped, 5xx or 429, timeout), for up to `retry_seconds`; then it
    stops with one line. Unsafe methods are never repeated."""

    def __init__(self, endpoint_uri: str, *, retry_seconds: float | None = None, **kwargs: Any):
        super().__init__(endpoint_uri, exception_retry_configuration=None, **kwargs)
        if retry_seconds is None:
            retry_seconds = float(os.environ.get(RETRY_SECONDS_ENV) or DEFAULT_RETRY_SECONDS)
        self.retry_seconds = retry_seconds

    def _retrying(self, methods: list[str], attempt: Any, settled: Any = None) -> Any:
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.1
        retry = False
        while True:
            try:
                if retry and settled is not None:
                    done = settled()
                    if done is not None:
                        return done
                return attempt()
            except Exception as exc:  # noqa: BLE001 - sorted just below
                safe = all(retry_safe(m) for m in methods)
                if not _transient(exc) or not safe:
                    raise
                if time.monotonic() + delay > deadline:
                    raise NodeUnreachable(
                        f"the node at {self.endpoint_uri} did not answer {methods[0]} for "
                        f"{self.retry_seconds:g} s ({type(exc).__name__}): check it, then run "
                        "the same command again (what was sent is found again; nothing is "
                        "sent twice)"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                retry = True

    def _make_request(self, method: Any, request_data: bytes) -> bytes:
        send = super()._make_request
        settled = None
        if method == "eth_sendRawTransaction":
            # Before broadcasting a signed transaction again, ask whether the node already has
            # it: a node restarted from its database has been seen (Ganache 7) to mine the same
            # bytes a second time, failing, when they were simply sent again.
            request = json.loads(request_data)
            tx_hash = "0x" + keccak(HexBytes(request["params"][0])).hex()
            lookup = self.encode_rpc_request("eth_getTransactionByHash", [tx_hash])

            def settled() -> bytes | None:
                if not json.loads(send("eth_getTransactionByHash", lookup)).get("result"):
                    return None
                reply = {"jsonrpc": "2.0", "id": request.get("id"), "result": tx_hash}
                return json.dumps(reply).encode()

        return self._retrying([str(method)], lambda: send(method, request_data), settled)

    def make_batch_request(self, batch_requests: list[tuple[Any, Any]]) -> Any:
        return self._retrying(
            [str(m) for m, _ in batch_requests] or ["batch"],
            lambda: super(RetryingHTTPProvider, self).make_batch_request(batch_requests),
        )


def decode_revert(data: bytes | str | None) -> ContractError | None:
    """Turn revert data into a ContractError named after the Solidity custom error."""
    if data is None:
        return None
    raw = HexBytes(data)
    if len(raw) < 4:
        return None
    selector, payload = bytes(raw[:4]), bytes(raw[4:])
    if selector == _ERROR_STRING:
        (message,) = abi_decode(["string"], payload)
        return ContractError("Error", (message,), {"message": message})
    if selector == _PANIC:
        (code,) = abi_decode(["uint256"], payload)
        return ContractError("Panic", (code,), {"code": hex(code)})
    item = artifacts.error_index().get(selector)
    if item is None:
        return ContractError("UnknownError", (raw.hex(),), {"data": "0x" + raw.hex()})
    types = [artifacts._canonical_type(p) for p in item["inputs"]]
    values = abi_decode(types, payload)
    values = tuple(
        Web3.to_checksum_address(v) if t == "address" else v
        for t, v in zip(types, values, strict=True)
    )
    names = [p["name"] or f"arg{i}" for i, p in enumerate(item["inputs"])]
    shown = dict(zip(names, values, strict=True))
    from civicledger.roles import role_name  # roles sends through this module

    for name, value, kind in zip(names, values, types, strict=True):
        if kind == "bytes32" and role_name(value):  # say TREASURER_ROLE, not its hash
            shown[name] = role_name(value)
    return ContractError(item["name"], values, shown)


def checksum(address: str, what: str = "address") -> str:
    """`address` in checksum form; a one-line CivicError if it is not an Ethereum address."""
    text = str(address).strip()
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
        raise CivicError(f"{what} {text!r} is not an Ethereum address (0x and 40 hex digits)")
    if text != text.lower() and text[2:] != text[2:].upper() and not Web3.is_checksum_address(text):
        raise CivicError(
            f"{what} {text} has a wrong checksum (mixed case that does not match): "
            "check it for a typo"
        )
    return Web3.to_checksum_address(text)


def _revert_data(exc: Exception) -> str | None:
    """Revert data from whichever shape the node and web3.py gave the error in."""
    data: Any = getattr(exc, "data", None)
    if isinstance(exc, ContractCustomError) and not data and exc.args:
        data = exc.args[0]
    if data is None and exc.args and isinstance(exc.args[0], dict):  # raw JSON-RPC error
        data = exc.args[0].get("data")
    if data is None and getattr(exc, "rpc_response", None):
        data = exc.rpc_response.get("error", {}).get("data")
    if isinstance(data, dict):  # Ganache: {"result": "0x…", "reason": …}
        data = data.get("result") or data.get("data")
    return data if isinstance(data, str) and data.startswith("0x") else None


def _revert_from_exception(exc: Exception) -> ContractError | None:
    data = _revert_data(exc)
    if data is not None:
        return decode_revert(data)
    if isinstance(exc, ContractLogicError) and exc.message:
        return ContractError("Error", (exc.message,), {"message": exc.message})
    return None


def _send(w3: Web3, account: LocalAccount, tx: dict[str, Any], estimate: Any) -> Receipt:
    tx.setdefault("from", account.address)
    tx.setdefault("chainId", w3.eth.chain_id)
    tx.setdefault("nonce", w3.eth.get_transaction_count(account.address, "pending"))
    if "gas" not in tx:
        try:
            tx["gas"] = estimate(tx)
        except (ContractCustomError, ContractLogicError) as exc:
            raise (_revert_from_exception(exc) or exc) from None
        except ValueError as exc:  # raw JSON-RPC error from nodes web3 does not classify
            decoded = _revert_from_exception(exc)
            if decoded is not None:
                raise decoded from None
            raise
    if "gasPrice" not in tx and "maxFeePerGas" not in tx:
        base_fee = w3.eth.get_block("latest").get("baseFeePerGas")
        if base_fee is None:  # a chain without EIP-1559 (some permissioned city chains)
            tx["gasPrice"] = w3.eth.gas_price
        else:
            tx["maxPriorityFeePerGas"] = w3.eth.max_priority_fee
            tx["maxFeePerGas"] = 2 * base_fee + tx["maxPriorityFeePerGas"]
    signed = account.sign_transaction(tx)
    tx_hash = HexBytes(signed.hash)
    try:
        w3.eth.send_raw_transaction(signed.raw_transaction)
    except (ValueError, Web3Exception) as exc:
        # A lost answer was asked again: the node may already hold this very transaction.
        if not node_has(w3, tx_hash):
            message = _rpc_message(exc)
            raise TransactionFailed(
                f"the node refused the transaction (nonce {tx['nonce']}): {message}"
                + refusal_hint(message, tx["nonce"])
            ) from None
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    if receipt["status"] != 1:
        raise TransactionFailed(
            f"transaction {tx_hash.hex()} failed in block {receipt['blockNumber']}"
        )
    return Receipt(
        tx_hash="0x" + bytes(tx_hash).hex(),
        block_number=receipt["blockNumber"],
        gas_used=receipt["gasUsed"],
        contract_address=receipt.get("contractAddress"),
        logs=receipt["logs"],
        raw=receipt,
    )


def node_has(w3: Web3, tx_hash: bytes | str) -> bool:
    """Whether the node holds this transaction (pending or mined): a broadcast whose answer was
    lost and that was refused when asked again may have gone through the first time."""
    tx_hash = tx_hash if isinstance(tx_hash, str) else "0x" + bytes(tx_hash).hex()
    response = w3.provider.make_request("eth_getTransactionByHash", [tx_hash])
    return bool(response.get("result"))


def _rpc_message(exc: Exception) -> str:
    first = exc.args[0] if exc.args else exc
    if isinstance(first, dict):
        first = first.get("message", first)
    return str(first).splitlines()[0] if str(first) else type(exc).__name__


def refusal_hint(message: str, nonce: int) -> str:
    """What to do about a node's refusal of a signed transaction, when it says."""
    lower = message.lower()
    if "insufficient funds" in lower:
        return "; the account has too little ETH for gas: send it some and run again"
    if "nonce" in lower:
        return (
            f"; nonce {nonce} is taken (another transaction from this account went out "
            "meanwhile?): nothing more was sent, run again"
        )
    return ""


def transact(w3: Web3, account: LocalAccount, call: ContractFunction, **tx: Any) -> Receipt:
    """Sign `call` with `account`, send it, wait for it; a revert raises ContractError by name."""
    built = {"to": call.address, "data": call._encode_transaction_data(), "value": 0, **tx}
    return _send(w3, account, built, w3.eth.estimate_gas)


def send_ether(w3: Web3, account: LocalAccount, to: str, value: int) -> Receipt:
    """Send `value` wei to `to` (e.g. a little gas money for a citizen's wallet)."""
    return _send(
        w3,
        account,
        {"to": Web3.to_checksum_address(to), "value": value, "data": "0x"},
        w3.eth.estimate_gas,
    )


def deploy(w3: Web3, account: LocalAccount, name: str, *args: Any) -> tuple[Contract, Receipt]:
    """Deploy the compiled contract `name` with constructor `args`."""
    art = artifacts.load(name)
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    tx = {"data": factory.constructor(*args).data_in_transaction, "value": 0}
    receipt = _send(w3, account, tx, w3.eth.estimate_gas)
    return w3.eth.contract(address=receipt.contract_address, abi=art.abi), receipt


def at(w3: Web3, name: str, address: str) -> Contract:
    """The deployed contract `name` at `address`."""
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifacts.load(name).abi)


def call(fn: ContractFunction) -> Any:
    """A view call whose custom-error revert is raised as ContractError."""
    try:
        return fn.call()
    except (ContractCustomError, ContractLogicError) as exc:
        raise (_revert_from_exception(exc) or exc) from None
