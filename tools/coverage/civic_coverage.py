"""Pytest plugin for `make coverage` only (loaded with `-p civic_coverage`); `make test` never
loads it. It makes eth-brownie 1.22.2's coverage report tell the truth:

1. 1.22.2 ships `brownie.test.coverage` and `brownie.test.output` compiled with mypyc, and they
   crash on real coverage data ("dict object expected; got list"). Their plain sources ship
   beside them: load those and point every importer at them (one module, one shared state).
2. Brownie attributes coverage to a deployed contract only when its code equals the artifact
   byte for byte, so a contract with immutables (BenefitToken's EIP-712 domain, stablecoin and
   grace period; LandRegistry's deployment block) silently gets no figure at all. Compare with
   the immutable slots masked: in the artifact each is a PUSH32 of 32 zero bytes.
3. Coverage mode sends view calls as transactions from accounts[0], whatever sender the test
   named: they keep the test's sender.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import brownie.network.contract as contract_module
import brownie.network.transaction as transaction_module
import brownie.test as brownie_test
import brownie.test.managers.base as base_module
import brownie.test.managers.master as master_module
import brownie.test.managers.runner as runner_module


def _pure_python(module_name: str):
    compiled = sys.modules.get(module_name) or importlib.import_module(module_name)
    source = Path(compiled.__file__)
    source = source.with_name(source.name.split(".")[0] + ".py")
    spec = importlib.util.spec_from_file_location(module_name, source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[module_name] = module
    return module


coverage = _pure_python("brownie.test.coverage")
output = _pure_python("brownie.test.output")
brownie_test.coverage = coverage
brownie_test.output = output
for _module in (transaction_module, base_module, master_module, runner_module):
    if hasattr(_module, "coverage"):
        _module.coverage = coverage
    if hasattr(_module, "output"):
        _module.output = output

PUSH1, PUSH32 = 0x60, 0x7F
_original_verify = contract_module._verify_deployed_code


def _strip_metadata(code: bytes) -> bytes:
    """Drop the CBOR metadata trailer (its length is in the last two bytes), as Brownie does."""
    if len(code) < 2:
        return code
    length = int.from_bytes(code[-2:], "big") + 2
    return code[:-length] if length <= len(code) else code


def masked_equal(actual: bytes, expected: bytes) -> bool:
    """True when `actual` equals `expected` except inside the artifact's immutable slots
    (PUSH32 operands that are all zero in the artifact); nothing else may differ."""
    actual, expected = _strip_metadata(actual), _strip_metadata(expected)
    if len(actual) != len(expected):
        return False
    masked_actual = bytearray(actual)
    pc = 0
    while pc < len(expected):
        op = expected[pc]
        if PUSH1 <= op <= PUSH32:
            width = op - PUSH1 + 1
            operand = expected[pc + 1 : pc + 1 + width]
            if op == PUSH32 and operand == bytes(32):
                masked_actual[pc + 1 : pc + 33] = bytes(32)
            pc += 1 + width
        else:
            pc += 1
    return bytes(masked_actual) == expected


def _verify_deployed_code(address, expected_bytecode, language) -> bool:
    if _original_verify(address, expected_bytecode, language):
        return True
    if language != "Solidity" or "_" in expected_bytecode:
        return False
    actual = bytes(contract_module.web3.eth.get_code(address))
    expected = bytes.fromhex(expected_bytecode.removeprefix("0x"))
    return masked_equal(actual, expected)


contract_module._verify_deployed_code = _verify_deployed_code


# 3. To trace a view call, coverage mode (ContractCall.__call__ with `always_transact`) sends it
#    as a transaction with the sender overwritten by the contract's owner or accounts[0], then
#    makes the call again without the test's `{"from": ...}` at all: a view that reads
#    `msg.sender` (the registry's refusals of approve/setApprovalForAll name their caller) sees
#    the wrong account both times. Here the test's sender is kept for the transaction and
#    handed to that one repeated call of the same method object. (__call__ itself cannot be
#    wrapped: Brownie's multicall swaps that function's code object.)
class _SenderKept(dict):
    def update(self, other=(), **kwargs):
        other = dict(other, **kwargs)
        other.pop("from", None)
        super().update(other)


_original_get_tx = contract_module._get_tx
_senders: dict[int, object] = {}  # id(ContractCall) -> the sender its __call__ was given


def _get_tx_keeping_the_sender(owner, args):
    caller = sys._getframe(1)
    method = caller.f_locals.get("self")
    given = args[-1] if args and isinstance(args[-1], dict) else None
    if caller.f_code.co_name == "__call__" and given and given.get("from") is not None:
        _senders[id(method)] = given["from"]
        rest, tx = _original_get_tx(owner, args)
        return rest, _SenderKept(tx)
    if caller.f_code.co_name == "call" and given is None and id(method) in _senders:
        args = (*args, {"from": _senders.pop(id(method))})
    return _original_get_tx(owner, args)


contract_module._get_tx = _get_tx_keeping_the_sender
