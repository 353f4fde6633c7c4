"""Errors the package raises. Each one's message is a single line a user can act on."""

from __future__ import annotations

from typing import Any


class CivicError(Exception):
    """Base for every error the package raises on purpose (the CLI prints these as one line)."""


class ConfigError(CivicError):
    """The project, network or account is not set up the way the operation needs."""


class LiveChainRefused(CivicError):
    """A development-only contract was about to be deployed on a chain that is not a dev chain."""

    def __init__(self, contract: str, chain_id: int) -> None:
        self.contract = contract
        self.chain_id = chain_id
        super().__init__(
            f"{contract} is a development stand-in and cannot be deployed on chain {chain_id}; "
            "configure the address of the real settlement token instead"
        )


class ContractError(CivicError):
    """A contract call reverted with a custom error, decoded by name and arguments.

    ``name`` is the Solidity error name (``BatchAlreadyDistributed``), ``args`` its arguments in
    declaration order and ``kwargs`` the same by parameter name.
    """

    def __init__(self, name: str, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None):
        self.name = name
        self.args_ = tuple(args)
        self.kwargs = dict(kwargs or {})
        super().__init__(self.signature)

    @property
    def signature(self) -> str:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.kwargs.items())
        return f"{self.name}({shown})"


class TransactionFailed(CivicError):
    """A transaction was mined but failed, or reverted without a decodable reason."""


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
