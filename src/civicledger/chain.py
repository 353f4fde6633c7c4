"""Sending transactions with an eth-account signer, and decoding reverts by error name.

Every state-changing call in the package goes through `transact` or `deploy`, so gas handling,
signing and error decoding live in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError

from civicledger import artifacts
from civicledger.errors import CivicError, ContractError, TransactionFailed

# Local dev chains the package may deploy development stand-ins to.
DEV_CHAIN_IDS = frozenset({1337, 31337})

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
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
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
