"""Every privileged function, called by every account that lacks its role (the holders of every
other role, and a stranger), is refused by name and changes nothing.

The table below is the README's role table spelt out per function. It is checked three ways:
its roles are exactly the README's rows for each contract; every state-changing function in the
compiled ABI is either in it or in the list of functions open to the parties themselves (so a
new privileged function without a row fails `test_every_state_changing_function_is_classified`);
and each row is attacked by every other role.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from brownie import BenefitToken, LandRegistry, accounts

from civicledger.roles import role_id

from ..unit.benefits.conftest import GRACE, program_config
from ..unit.registry.conftest import BASE_URI, digest, ref

README = Path(__file__).resolve().parents[2] / "README.md"
BATCH = b"role-attack".ljust(32, b"\0")
SPEC = (ref("LOT-X"), digest("x"), 500, digest("deed-x"))

# function -> (role it requires, arguments). Arguments only need to encode: the role check
# comes first. Addresses are filled in from the `world` fixture by name.
BENEFIT_TABLE = {
    "createProgram": ("PROGRAM_MANAGER_ROLE", lambda w: (program_config(),)),
    "changeProgramRules": (
        "PROGRAM_MANAGER_ROLE",
        lambda w: (1, (2_000, 2**32 - 1, 1, 1, 0)),
    ),
    "setProgramURI": ("PROGRAM_MANAGER_ROLE", lambda w: (1, "ipfs://defaced.json")),
    "onboardMerchant": ("MERCHANT_MANAGER_ROLE", lambda w: (w["stranger"], 1, 2, w["stranger"])),
    "suspendMerchant": ("MERCHANT_MANAGER_ROLE", lambda w: (w["merchant"], "hostile")),
    "reinstateMerchant": ("MERCHANT_MANAGER_ROLE", lambda w: (w["merchant"],)),
    "distribute": ("DISTRIBUTOR_ROLE", lambda w: (1, BATCH, [w["stranger"]], [1])),
    "fundProgram": ("TREASURER_ROLE", lambda w: (1, 1)),
    "withdrawUnspent": ("TREASURER_ROLE", lambda w: (1,)),
    "reclaimExpired": ("TREASURER_ROLE", lambda w: (1, [w["stranger"]])),
    "pause": ("PAUSER_ROLE", lambda w: ()),
    "unpause": ("PAUSER_ROLE", lambda w: ()),
    "grantRole": ("DEFAULT_ADMIN_ROLE", lambda w: (role_id("TREASURER_ROLE"), w["stranger"])),
    "revokeRole": ("DEFAULT_ADMIN_ROLE", lambda w: (role_id("TREASURER_ROLE"), w["treasurer"])),
}
# Open to anyone, guarded by who the caller is in the deal, not by a role (tested elsewhere).
BENEFIT_OPEN = {
    "redeem": "a merchant redeems its own tokens",
    "payWithAuthorization": "the citizen's signature is the permission",
    "cancelAuthorization": "the citizen's signature is the permission",
    "safeTransferFrom": "a holder moves its own tokens, under the earmark rules",
    "safeBatchTransferFrom": "a holder moves its own tokens, under the earmark rules",
    "setApprovalForAll": "a holder's own approvals",
    "renounceRole": "an account gives up its own role",
}

REGISTRY_TABLE = {
    "register": (
        "REGISTRAR_ROLE",
        lambda w: (w["stranger"], ref("LOT-Y"), digest("y"), 1, digest("deed-y"), "ipfs://y"),
    ),
    "approveTransfer": ("REGISTRAR_ROLE", lambda w: (1,)),
    "subdivide": ("REGISTRAR_ROLE", lambda w: (1, [SPEC, SPEC])),
    "merge": ("REGISTRAR_ROLE", lambda w: ([1, 2], SPEC)),
    "freeze": ("COURT_ROLE", lambda w: (1, ref("CASE-HOSTILE"))),
    "unfreeze": ("COURT_ROLE", lambda w: (1,)),
    "dischargeLien": ("COURT_ROLE", lambda w: (1, ref("CASE-HOSTILE"))),
    "addLien": ("LENDER_ROLE", lambda w: (1, ref("EUR-1"), digest("hostile lien"))),
    "pause": ("PAUSER_ROLE", lambda w: ()),
    "unpause": ("PAUSER_ROLE", lambda w: ()),
    "grantRole": ("DEFAULT_ADMIN_ROLE", lambda w: (role_id("COURT_ROLE"), w["stranger"])),
    "revokeRole": ("DEFAULT_ADMIN_ROLE", lambda w: (role_id("COURT_ROLE"), w["court"])),
}
REGISTRY_OPEN = {
    "proposeTransfer": "the title holder only (NotParcelOwner)",
    "acceptTransfer": "the proposed buyer only (NotProposedBuyer)",
    "cancelTransfer": "a party to the proposal only (NotProposalParty)",
    "authorizeLender": "the title holder only (NotParcelOwner)",
    "releaseLien": "the lien's lender only (NotLienLender)",
    "consentToTransfer": "the lien's lender only (NotLienLender)",
    "attachDocument": "holder, registrar or court (NotAuthorizedForParcel)",
    "transferFrom": "always refused: titles move through the workflow",
    "safeTransferFrom": "always refused: titles move through the workflow",
    "renounceRole": "an account gives up its own role",
}

CONTRACTS = {
    "BenefitToken": (BENEFIT_TABLE, BENEFIT_OPEN),
    "LandRegistry": (REGISTRY_TABLE, REGISTRY_OPEN),
}


def readme_roles() -> dict[str, set[str]]:
    """The README's role table: contract name -> roles listed for it ("all" means both)."""
    roles: dict[str, set[str]] = {name: set() for name in CONTRACTS}
    for line in README.read_text().splitlines():
        row = re.match(r"^\|\s*`([A-Z_]+_ROLE)`\s*\|([^|]+)\|", line)
        if not row:
            continue
        where = row.group(2)
        for name in CONTRACTS:
            if "all" in where.split() or name in where:
                roles[name].add(row.group(1))
    return roles


def _staff(n: int):
    account = accounts.add()
    accounts[0].transfer(account, "1 ether")
    return account


@pytest.fixture(scope="module")
def world(city, treasurer, stablecoin, pharmacy, alice, court):
    """Both contracts with each role held by an account of its own, and a stranger."""
    holders = {
        "DEFAULT_ADMIN_ROLE": city,
        "PROGRAM_MANAGER_ROLE": _staff(0),
        "MERCHANT_MANAGER_ROLE": _staff(1),
        "DISTRIBUTOR_ROLE": _staff(2),
        "TREASURER_ROLE": treasurer,
        "PAUSER_ROLE": _staff(3),
        "REGISTRAR_ROLE": _staff(4),
        "COURT_ROLE": court,
        "LENDER_ROLE": _staff(5),
    }
    token = BenefitToken.deploy(city, stablecoin, GRACE, {"from": city})
    registry = LandRegistry.deploy(city, BASE_URI, {"from": city})
    for contract, (table, _) in zip((token, registry), CONTRACTS.values(), strict=True):
        for role in {role for role, _ in table.values()} - {"DEFAULT_ADMIN_ROLE"}:
            contract.grantRole(role_id(role), holders[role], {"from": city})
    token.createProgram(program_config(), {"from": holders["PROGRAM_MANAGER_ROLE"]})
    token.onboardMerchant(pharmacy, 1, 2, pharmacy, {"from": holders["MERCHANT_MANAGER_ROLE"]})
    registry.register(
        alice,
        ref("LOT-1"),
        digest("1"),
        1_000,
        digest("d1"),
        "",
        {"from": holders["REGISTRAR_ROLE"]},
    )
    return {
        "BenefitToken": token,
        "LandRegistry": registry,
        "holders": holders,
        "stranger": _staff(6),
        "merchant": pharmacy,
        "treasurer": treasurer,
        "court": court,
    }


def fingerprint(contract, world) -> tuple:
    """What a refused call must leave as it was."""
    # the accounts that grantRole and revokeRole attacks aim at
    common = [
        contract.paused(),
        contract.hasRole(role_id("TREASURER_ROLE"), world["stranger"]),
        contract.hasRole(role_id("TREASURER_ROLE"), world["treasurer"]),
        contract.hasRole(role_id("COURT_ROLE"), world["stranger"]),
        contract.hasRole(role_id("COURT_ROLE"), world["court"]),
    ]
    if contract.address == world["BenefitToken"].address:
        return (
            *common,
            contract.programCount(),
            tuple(contract.program(1)),
            contract.uri(1),
            tuple(contract.merchant(world["merchant"])),
            tuple(contract.merchant(world["stranger"])),
            contract.batchDistributed(BATCH),
        )
    return (
        *common,
        contract.totalSupply() if hasattr(contract, "totalSupply") else None,
        tuple(contract.parcel(1)),
        contract.freezeCase(1),
        contract.holderOf(2),
    )


ROWS = [
    pytest.param(name, function, id=f"{name}.{function}")
    for name, (table, _) in CONTRACTS.items()
    for function in table
]


@pytest.mark.parametrize("contract_name", CONTRACTS)
def test_role_table_names_exactly_the_readme_roles(contract_name):
    table, _ = CONTRACTS[contract_name]
    assert {role for role, _ in table.values()} == readme_roles()[contract_name]


@pytest.mark.parametrize("contract_name", CONTRACTS)
def test_every_state_changing_function_is_classified(contract_name):
    container = {"BenefitToken": BenefitToken, "LandRegistry": LandRegistry}[contract_name]
    mutating = {
        entry["name"]
        for entry in container.abi
        if entry["type"] == "function" and entry["stateMutability"] in ("nonpayable", "payable")
    }
    table, open_functions = CONTRACTS[contract_name]
    unclassified = mutating - set(table) - set(open_functions)
    assert not unclassified, f"add a row to the role table for {sorted(unclassified)}"


@pytest.mark.parametrize("contract_name,function", ROWS)
def test_privileged_function_is_refused_to_every_other_role_and_a_stranger(
    world, contract_name, function, reverts
):
    contract = world[contract_name]
    if not hasattr(contract, function):
        pytest.skip(f"{contract_name} of this build has no {function}")
    role, arguments = CONTRACTS[contract_name][0][function]
    callers = [
        account for holder_role, account in world["holders"].items() if holder_role != role
    ] + [world["stranger"]]
    before = fingerprint(contract, world)
    for caller in dict.fromkeys(callers):  # one account may hold roles on both contracts
        if contract_name == "LandRegistry" and function == "addLien":
            # a lender without the role needs the owner's authorization instead
            expected = reverts("LenderNotAuthorized", 1, caller)
        else:
            expected = reverts("AccessControlUnauthorizedAccount", caller, role_id(role))
        call = getattr(contract, function)
        # the stranger's attempt is mined, the others' simulated: same code, a third of the time
        if caller != world["stranger"]:
            call = call.call
        with expected:
            call(*arguments(world), {"from": caller})
    assert fingerprint(contract, world) == before
