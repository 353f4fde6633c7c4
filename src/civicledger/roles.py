"""Roles of OpenZeppelin AccessControl, shared by every CivicLedger contract."""

from __future__ import annotations

from collections.abc import Mapping

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from civicledger import chain
from civicledger.errors import ConfigError

DEFAULT_ADMIN_ROLE = "DEFAULT_ADMIN_ROLE"
# Every role any CivicLedger contract defines (each is a public constant of its contract).
NAMES = (
    DEFAULT_ADMIN_ROLE,
    "PROGRAM_MANAGER_ROLE",
    "MERCHANT_MANAGER_ROLE",
    "DISTRIBUTOR_ROLE",
    "TREASURER_ROLE",
    "PAUSER_ROLE",
    "REGISTRAR_ROLE",
    "COURT_ROLE",
    "LENDER_ROLE",
)


def role_id(name: str) -> bytes:
    """The bytes32 id of a role, e.g. role_id("TREASURER_ROLE") (keccak of its name)."""
    return bytes(32) if name == DEFAULT_ADMIN_ROLE else keccak(text=name)


def role_name(role: bytes) -> str | None:
    """The name of a role id, if it is one of CivicLedger's."""
    return _BY_ID.get(bytes(role))


_BY_ID = {role_id(name): name for name in NAMES}


def roles_of(contract: Contract) -> list[str]:
    """The roles `contract` defines, read from its ABI (public `…_ROLE` constants)."""
    return [
        item["name"]
        for item in contract.abi
        if item.get("type") == "function" and item["name"].endswith("_ROLE") and not item["inputs"]
    ]


def grant_roles(
    w3: Web3, admin: LocalAccount, contract: Contract, grants: Mapping[str, str]
) -> None:
    """Grant roles by name, e.g. {"TREASURER_ROLE": address}; roles already held are skipped.

    A role the contract does not define is refused before anything is sent (a typo would
    otherwise grant a role that nothing checks).
    """
    defined = roles_of(contract)
    for role, account in grants.items():
        if role not in defined:
            raise ConfigError(
                f"{contract.address} defines no role '{role}': its roles are {', '.join(defined)}"
            )
        chain.checksum(account, f"the account to grant {role} to")
    for role, account in grants.items():
        account = Web3.to_checksum_address(account)
        if not contract.functions.hasRole(role_id(role), account).call():
            chain.transact(w3, admin, contract.functions.grantRole(role_id(role), account))
