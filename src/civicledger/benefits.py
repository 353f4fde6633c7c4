"""Benefit programs: create, fund, onboard merchants, redeem, and read the figures.

Distribution from a spreadsheet lives in `civicledger.distribution`.

Every function takes the web3 `Web3`, the signer (an eth-account `LocalAccount`) and the deployed
BenefitToken contract; contract reverts surface as `ContractError` with the custom error's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from civicledger import chain


class ProgramCategory(IntEnum):
    """What a program pays for (the seed's budget areas)."""

    EDUCATION = 0
    HEALTH = 1
    SOCIAL_WELFARE = 2
    PENSION = 3
    FOOD = 4
    TRANSPORT = 5
    HOUSING = 6


class MerchantCategory(IntEnum):
    """What a merchant sells; a program allows a set of these (bits 0-31)."""

    SCHOOL = 0
    PHARMACY = 1
    CLINIC = 2
    GROCERY = 3
    GYM = 4
    TRANSPORT = 5
    UTILITY = 6
    BOOKSHOP = 7


def bits(values: Iterable[int]) -> int:
    """A bit set of categories or districts, e.g. bits([MerchantCategory.GROCERY])."""
    mask = 0
    for value in values:
        mask |= 1 << int(value)
    return mask


def members(mask: int) -> list[int]:
    """The categories or districts in a bit set."""
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


ROLES = (
    "PROGRAM_MANAGER_ROLE",
    "MERCHANT_MANAGER_ROLE",
    "DISTRIBUTOR_ROLE",
    "TREASURER_ROLE",
    "PAUSER_ROLE",
)


@dataclass(frozen=True)
class ProgramConfig:
    name: str
    category: int
    face_value: int
    budget: int
    valid_from: int
    valid_until: int
    merchant_categories: int
    districts: int
    per_citizen_cap: int = 0
    uri: str = ""

    def as_tuple(self) -> tuple:
        return (
            self.name,
            int(self.category),
            self.face_value,
            self.budget,
            self.valid_from,
            self.valid_until,
            self.merchant_categories,
            self.districts,
            self.per_citizen_cap,
            self.uri,
        )


@dataclass(frozen=True)
class ProgramFigures:
    """A program's terms and exact figures: tokens and settlement-token units."""

    program_id: int
    name: str
    category: int
    face_value: int
    budget: int
    valid_from: int
    valid_until: int
    merchant_categories: int
    districts: int
    per_citizen_cap: int
    minted: int
    redeemed: int
    reclaimed: int
    escrow_funded: int
    paid_out: int
    withdrawn: int
    escrow_balance: int
    outstanding_value: int
    redemption_closes_at: int
    closed: bool

    @property
    def outstanding(self) -> int:
        """Tokens in wallets, spent or not yet redeemed (minted − redeemed − reclaimed)."""
        return self.minted - self.redeemed - self.reclaimed

    @property
    def expired(self) -> int:
        """Tokens left in wallets after the redemption window closed: worth nothing any more,
        their escrow is the treasury's to withdraw (and reclaimExpired burns them)."""
        return self.outstanding if self.closed else 0


def create_program(
    w3: Web3,
    manager: LocalAccount,
    token: Contract,
    config: ProgramConfig,
    on_receipt: Callable[[chain.Receipt], None] | None = None,
) -> int:
    """Create a program; returns its id (the ERC-1155 token id)."""
    receipt = chain.transact(w3, manager, token.functions.createProgram(config.as_tuple()))
    if on_receipt:
        on_receipt(receipt)
    (event,) = token.events.NewPBMTypeCreated().process_receipt(receipt.raw, errors=DISCARD)
    return event["args"]["tokenId"]


def change_rules(
    w3: Web3,
    manager: LocalAccount,
    token: Contract,
    program_id: int,
    *,
    budget: int | None = None,
    valid_until: int | None = None,
    merchant_categories: int | None = None,
    districts: int | None = None,
    per_citizen_cap: int | None = None,
) -> chain.Receipt:
    """Change some of a program's rules, keeping the others as they are."""
    now = program(token, program_id)
    rules = (
        now.budget if budget is None else budget,
        now.valid_until if valid_until is None else valid_until,
        now.merchant_categories if merchant_categories is None else merchant_categories,
        now.districts if districts is None else districts,
        now.per_citizen_cap if per_citizen_cap is None else per_citizen_cap,
    )
    return chain.transact(w3, manager, token.functions.changeProgramRules(program_id, rules))


def fund_program(
    w3: Web3,
    treasurer: LocalAccount,
    token: Contract,
    stablecoin: Contract,
    program_id: int,
    amount: int,
) -> chain.Receipt:
    """Move `amount` stablecoin units from the treasurer into the program's escrow."""
    allowance = stablecoin.functions.allowance(treasurer.address, token.address).call()
    if allowance < amount:
        chain.transact(w3, treasurer, stablecoin.functions.approve(token.address, amount))
    return chain.transact(w3, treasurer, token.functions.fundProgram(program_id, amount))


def onboard_merchant(
    w3: Web3,
    manager: LocalAccount,
    token: Contract,
    merchant: str,
    category: int,
    district: int,
    payout: str | None = None,
) -> chain.Receipt:
    """Register a merchant (its payout defaults to its own address)."""
    return chain.transact(
        w3,
        manager,
        token.functions.onboardMerchant(merchant, int(category), district, payout or merchant),
    )


def program(token: Contract, program_id: int) -> ProgramFigures:
    """A program's terms and figures, read from the chain."""
    p = chain.call(token.functions.program(program_id))
    details = token.functions.getTokenDetails(program_id).call()
    escrow = token.functions.programEscrow(program_id).call()
    closes_at = p[4] + token.functions.redemptionGracePeriod().call()
    now = token.w3.eth.get_block("latest")["timestamp"]
    return ProgramFigures(
        program_id=program_id,
        name=details[0],
        category=p[0],
        face_value=p[1],
        budget=p[2],
        valid_from=p[3],
        valid_until=p[4],
        merchant_categories=p[5],
        districts=p[6],
        per_citizen_cap=p[7],
        minted=p[8],
        redeemed=p[9],
        reclaimed=p[10],
        escrow_funded=escrow[0],
        paid_out=escrow[1],
        withdrawn=escrow[2],
        escrow_balance=escrow[3],
        outstanding_value=escrow[4],
        redemption_closes_at=closes_at,
        closed=now > closes_at,
    )


def redeem(
    w3: Web3, merchant: LocalAccount, token: Contract, amounts: dict[int, int]
) -> chain.Receipt:
    """Redeem the merchant's tokens, {program_id: amount}, for their face value in one go."""
    ids = list(amounts)
    return chain.transact(w3, merchant, token.functions.redeem(ids, [amounts[i] for i in ids]))


def redeem_all(w3: Web3, merchant: LocalAccount, token: Contract) -> chain.Receipt | None:
    """Redeem every token the merchant holds, across all programs; None if it holds none."""
    count = token.functions.programCount().call()
    ids = list(range(1, count + 1))
    balances = token.functions.balanceOfBatch([merchant.address] * len(ids), ids).call()
    held = {pid: bal for pid, bal in zip(ids, balances, strict=True) if bal}
    return redeem(w3, merchant, token, held) if held else None


class MerchantStatus(IntEnum):
    """A merchant's status, as IBenefitToken.MerchantStatus."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2


@dataclass(frozen=True)
class MerchantRecord:
    address: str
    payout: str
    category: int
    district: int
    status: MerchantStatus


def merchant(token: Contract, account: str) -> MerchantRecord:
    """A merchant's record (status NONE if it was never onboarded)."""
    account = Web3.to_checksum_address(account)
    payout, category, district, status = chain.call(token.functions.merchant(account))
    return MerchantRecord(account, payout, category, district, MerchantStatus(status))


def suspend_merchant(
    w3: Web3, manager: LocalAccount, token: Contract, account: str, reason: str
) -> chain.Receipt:
    """Suspend a merchant: it can neither be paid nor redeem until reinstated."""
    return chain.transact(w3, manager, token.functions.suspendMerchant(account, reason))


def reinstate_merchant(
    w3: Web3, manager: LocalAccount, token: Contract, account: str
) -> chain.Receipt:
    """Make a suspended merchant active again."""
    return chain.transact(w3, manager, token.functions.reinstateMerchant(account))


def holdings(
    token: Contract, account: str, program_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """{program id: tokens} that `account` holds, of every program or of `program_ids`."""
    ids = (
        list(range(1, token.functions.programCount().call() + 1))
        if program_ids is None
        else list(dict.fromkeys(program_ids))
    )
    if not ids:
        return {}
    account = Web3.to_checksum_address(account)
    balances = token.functions.balanceOfBatch([account] * len(ids), ids).call()
    return {pid: bal for pid, bal in zip(ids, balances, strict=True) if bal}
