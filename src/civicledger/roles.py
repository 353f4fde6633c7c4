"""Roles of OpenZeppelin AccessControl, shared by every CivicLedger contract."""

from __future__ import annotations

from collections.abc import Mapping

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from civicledger import chain


def role_id(name: str) -> bytes:
    """The bytes32 id of a role, e.g. role_id("TREASURER_ROLE") (keccak of its name)."""
    return keccak(text=name)


def grant_roles(
    w3: Web3, admin: LocalAccount, contract: Contract, grants: Mapping[str, str]
) -> None:
    """Grant roles by name, e.g. {"TREASURER_ROLE": address}; roles already held are skipped."""
    for role, account in grants.items():
        if not contract.functions.hasRole(role_id(role), account).call():
            chain.transact(w3, admin, contract.functions.grantRole(role_id(role), account))
