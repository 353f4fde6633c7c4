"""A BenefitToken with its staff, three merchants and a program factory."""

import itertools

import pytest
from brownie import BenefitToken
from brownie import chain as brownie_chain

from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.roles import role_id

FACE = 10_000_000  # 10.00 in a 6-decimal stablecoin
GRACE = 7 * 86400
NORTH, SOUTH = 2, 5
DAY = 86400

_batch_numbers = itertools.count()


def benefit_token_on(coin, city, treasurer, *, funds=10**15, minter=None, pauser=False):
    """A BenefitToken settling in `coin`: the city runs programs, merchants and distribution
    (and pauses, with `pauser`), the treasurer holds `funds` of the coin (minted by `minter`,
    the treasurer itself for the test coins anyone may mint) and lets the token draw on it."""
    token = BenefitToken.deploy(city, coin, GRACE, {"from": city})
    staff = ["PROGRAM_MANAGER_ROLE", "MERCHANT_MANAGER_ROLE", "DISTRIBUTOR_ROLE"]
    for role in staff + (["PAUSER_ROLE"] if pauser else []):
        token.grantRole(role_id(role), city, {"from": city})
    token.grantRole(role_id("TREASURER_ROLE"), treasurer, {"from": city})
    coin.mint(treasurer, funds, {"from": minter or treasurer})
    coin.approve(token, 2**256 - 1, {"from": treasurer})
    return token


@pytest.fixture(scope="module")
def benefit(city, treasurer, stablecoin):
    return benefit_token_on(stablecoin, city, treasurer, minter=city, pauser=True)


@pytest.fixture(scope="module")
def merchants(benefit, city, pharmacy, pharmacy_bank, school, grocer):
    """Pharmacy (north, pays out to its bank account), school (north), grocer (south)."""
    benefit.onboardMerchant(
        pharmacy, MerchantCategory.PHARMACY, NORTH, pharmacy_bank, {"from": city}
    )
    benefit.onboardMerchant(school, MerchantCategory.SCHOOL, NORTH, school, {"from": city})
    benefit.onboardMerchant(grocer, MerchantCategory.GROCERY, SOUTH, grocer, {"from": city})
    return {"pharmacy": pharmacy, "school": school, "grocer": grocer}


def program_config(**overrides):
    now = brownie_chain.time()
    config = {
        "name": "Health 2027",
        "category": ProgramCategory.HEALTH,
        "faceValue": FACE,
        "budget": 1_000,
        "validFrom": now - 1,
        "validUntil": now + 30 * DAY,
        "merchantCategories": bits([MerchantCategory.PHARMACY, MerchantCategory.CLINIC]),
        "districts": bits([NORTH]),
        "perCitizenCap": 0,
        "uri": "ipfs://health-2027.json",
    }
    config.update(overrides)
    return tuple(config.values())


@pytest.fixture(scope="module")
def make_program(benefit, city, treasurer):
    """Create a program (funded for its whole budget unless fund=False); returns its id."""

    def make(fund=True, **overrides):
        config = program_config(**overrides)
        tx = benefit.createProgram(config, {"from": city})
        program_id = tx.events["NewPBMTypeCreated"]["tokenId"]
        if fund:
            benefit.fundProgram(program_id, config[3] * config[2], {"from": treasurer})
        return program_id

    return make


@pytest.fixture(scope="module")
def health(make_program, merchants):
    return make_program()


@pytest.fixture(scope="module")
def give(benefit, city):
    """Distribute `amount` tokens of `program_id` to each citizen, in a batch of its own."""

    def give(program_id, *citizens, amount=10):
        batch = f"batch-{next(_batch_numbers)}".encode().ljust(32, b"\0")
        return benefit.distribute(
            program_id, batch, list(citizens), [amount] * len(citizens), {"from": city}
        )

    return give
