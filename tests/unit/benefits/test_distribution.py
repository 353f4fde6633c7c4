"""Distribution: batches used once, within budget, backed by escrow, within the per-citizen cap."""

from brownie import ZERO_ADDRESS, chain

from civicledger.roles import role_id
from tests.conftest import ANY

from .conftest import DAY, FACE

BATCH = b"payroll-2027-01".ljust(32, b"\0")


def test_distributor_mints_tokens_to_citizens(benefit, city, health, alice, bob):
    tx = benefit.distribute(health, BATCH, [alice, bob], [3, 5], {"from": city})
    assert benefit.balanceOf(alice, health) == 3 and benefit.balanceOf(bob, health) == 5
    assert benefit.program(health)["minted"] == 8
    assert benefit.batchDistributed(BATCH)
    assert tx.events["BatchDistributed"]["total"] == 8
    assert len(tx.events["TransferSingle"]) == 2


def test_replayed_batch_is_refused_by_its_id(benefit, city, health, alice, reverts):
    benefit.distribute(health, BATCH, [alice], [3], {"from": city})
    with reverts("BatchAlreadyDistributed", BATCH):
        benefit.distribute(health, BATCH, [alice], [3], {"from": city})
    assert benefit.balanceOf(alice, health) == 3


def test_batch_arrays_must_match(benefit, city, health, alice, reverts):
    with reverts("BatchInvalid", BATCH, 1, 2):
        benefit.distribute(health, BATCH, [alice], [1, 2], {"from": city})


def test_empty_batch_is_refused(benefit, city, health, reverts):
    with reverts("BatchInvalid", BATCH, 0, 0):
        benefit.distribute(health, BATCH, [], [], {"from": city})


def test_batch_larger_than_max_is_refused(benefit, city, health, alice, reverts):
    n = benefit.MAX_BATCH() + 1
    with reverts("BatchInvalid", BATCH, n, n):
        benefit.distribute(health, BATCH, [alice] * n, [1] * n, {"from": city})


def test_zero_amount_is_refused_naming_the_recipient(benefit, city, health, alice, bob, reverts):
    with reverts("DistributionAmountZero", BATCH, bob):
        benefit.distribute(health, BATCH, [alice, bob], [1, 0], {"from": city})


def test_distribution_cannot_exceed_the_budget(
    benefit, city, make_program, merchants, alice, reverts
):
    pid = make_program(budget=10)
    benefit.distribute(pid, BATCH, [alice], [8], {"from": city})
    with reverts("BudgetExceeded", pid, 10, 8, 3):
        benefit.distribute(pid, b"second".ljust(32, b"\0"), [alice], [3], {"from": city})


def test_distribution_cannot_exceed_what_escrow_backs(
    benefit, city, treasurer, make_program, alice, reverts
):
    pid = make_program(fund=False, budget=100)
    benefit.fundProgram(pid, 5 * FACE, {"from": treasurer})
    benefit.distribute(pid, BATCH, [alice], [5], {"from": city})
    with reverts("EscrowInsufficient", pid, 6 * FACE, 5 * FACE):
        benefit.distribute(pid, b"more".ljust(32, b"\0"), [alice], [1], {"from": city})


def test_unfunded_program_cannot_be_distributed(benefit, city, make_program, alice, reverts):
    pid = make_program(fund=False)
    with reverts("EscrowInsufficient", pid, FACE, 0):
        benefit.distribute(pid, BATCH, [alice], [1], {"from": city})


def test_citizen_cannot_hold_more_than_the_per_citizen_cap(
    benefit, city, make_program, alice, bob, reverts
):
    pid = make_program(perCitizenCap=10)
    benefit.distribute(pid, BATCH, [alice, bob], [10, 4], {"from": city})
    with reverts("CitizenCapExceeded", pid, bob, 10, 11):
        benefit.distribute(pid, b"top-up".ljust(32, b"\0"), [bob], [7], {"from": city})


def test_expired_program_cannot_be_distributed(benefit, city, health, alice, reverts):
    until = benefit.program(health)["validUntil"]
    chain.sleep(31 * DAY)
    chain.mine()
    with reverts("DistributionClosed", health, until, ANY):
        benefit.distribute(health, BATCH, [alice], [1], {"from": city})


def test_unknown_program_cannot_be_distributed(benefit, city, alice, reverts):
    with reverts("ProgramNotFound", 42):
        benefit.distribute(42, BATCH, [alice], [1], {"from": city})


def test_distribution_needs_distributor_role(benefit, health, alice, reverts):
    with reverts("AccessControlUnauthorizedAccount", alice, role_id("DISTRIBUTOR_ROLE")):
        benefit.distribute(health, BATCH, [alice], [1], {"from": alice})


def test_distribution_to_the_zero_address_is_refused(benefit, city, health, reverts):
    with reverts("ERC1155InvalidReceiver", ZERO_ADDRESS):
        benefit.distribute(health, BATCH, [ZERO_ADDRESS], [1], {"from": city})


def test_paused_token_distributes_nothing(benefit, city, health, alice, reverts):
    benefit.pause({"from": city})
    with reverts("EnforcedPause"):
        benefit.distribute(health, BATCH, [alice], [1], {"from": city})


def test_recipient_contract_cannot_reenter_distribution(benefit, city, health, reverts):
    from brownie import ReentrantReceiver

    receiver = ReentrantReceiver.deploy(benefit, {"from": city})
    benefit.grantRole(role_id("DISTRIBUTOR_ROLE"), receiver, {"from": city})
    with reverts("ReentrancyGuardReentrantCall"):
        benefit.distribute(health, BATCH, [receiver], [1], {"from": city})


def test_merchant_cannot_be_a_distribution_recipient(
    benefit, city, health, merchants, alice, pharmacy, reverts
):
    with reverts("MerchantCannotReceiveBenefits", health, pharmacy):
        benefit.distribute(health, BATCH, [alice, pharmacy], [1, 1], {"from": city})
