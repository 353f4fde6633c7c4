"""Stateful test of budgets, escrow and balances against a plain-Python model.

Hypothesis drives random sequences of distributions, fundings, wallet and signed payments,
redemptions, time passing, withdrawals and reclaims; after every step the chain must agree with
the model and the invariants must hold: minted ≤ budget, redeemed ≤ minted, the escrow backs
every outstanding token, no batch or authorization is used twice, and the balances add up to
minted − redeemed − reclaimed.
"""

import itertools

import brownie
import pytest
from brownie import chain, web3
from brownie.test import strategy

from civicledger import payments
from civicledger.benefits import MerchantCategory, bits
from tests.brownie_compat import state_machine
from tests.unit.benefits.conftest import GRACE, benefit_token_on

FACES = [10_000_000, 3_000_000]
BUDGETS = [200, 500]
FUNDED = [200 * FACES[0], 100 * FACES[1]]  # the second program is bound by its escrow
CAP = [25, 0]
DAY = 86400


def reverts_named(name):
    """A revert by custom error name. Expected reverts are checked with eth_call (`.call`): the
    same code, without mining a failed transaction and fetching its trace, which is ten times
    slower on Ganache."""
    return brownie.reverts(revert_pattern=f"{name}: .*")


class BenefitsMachine:
    st_citizen = strategy("uint8", max_value=2)
    st_program = strategy("uint8", max_value=1)
    st_amount = strategy("uint8", min_value=1, max_value=30)
    st_spend = strategy("uint8", min_value=1, max_value=6)
    st_days = strategy("uint8", min_value=1, max_value=25)

    def __init__(cls, token, usd, programs, citizens, grocer, city, treasurer, signer):
        cls.token, cls.usd, cls.programs = token, usd, programs
        cls.citizens, cls.grocer, cls.city, cls.treasurer = citizens, grocer, city, treasurer
        cls.signer = staticmethod(signer)
        cls.holders = [*citizens, grocer]
        cls.windows = [
            (token.program(p)["validFrom"], token.program(p)["validUntil"]) for p in programs
        ]
        cls.batch_numbers = itertools.count()

    def setup(self):
        self.minted = [0, 0]
        self.redeemed = [0, 0]
        self.reclaimed = [0, 0]
        self.funded = list(FUNDED)
        self.withdrawn = [0, 0]
        self.balance = {(h.address, i): 0 for h in self.holders for i in range(2)}
        self.used_batches = []
        self.used_authorizations = []

    # ---- helpers ------------------------------------------------------------------------

    def now(self):
        return chain.time()

    def closed(self, i):
        return self.now() > self.windows[i][1] + GRACE

    def new_batch(self):
        return f"sm-{next(self.batch_numbers)}".encode().ljust(32, b"\0")

    # ---- rules --------------------------------------------------------------------------

    def initialize_citizens_hold_tokens(self):
        """Start every run with tokens in wallets, so that short runs still pay and redeem."""
        for index, _ in enumerate(self.citizens):
            for program in (0, 1):
                self.rule_distribute(index, program, 10)
                self.rule_pay_from_wallet(index, program, 1 + index)

    def rule_distribute(self, st_citizen, st_program, st_amount):
        i, pid, citizen = st_program, self.programs[st_program], self.citizens[st_citizen]
        batch = self.new_batch()
        minted = self.minted[i] + st_amount
        call = (pid, batch, [citizen], [st_amount], {"from": self.city})
        if self.now() > self.windows[i][1]:
            error = "DistributionClosed"
        elif minted > BUDGETS[i]:
            error = "BudgetExceeded"
        elif minted * FACES[i] > self.funded[i] - self.withdrawn[i]:
            error = "EscrowInsufficient"
        elif CAP[i] and self.balance[(citizen.address, i)] + st_amount > CAP[i]:
            error = "CitizenCapExceeded"
        else:
            self.token.distribute(*call)
            self.minted[i] = minted
            self.balance[(citizen.address, i)] += st_amount
            self.used_batches.append((pid, batch, citizen))
            return
        with reverts_named(error):
            self.token.distribute.call(*call)

    def rule_replay_a_batch(self):
        if self.used_batches:
            pid, batch, citizen = self.used_batches[-1]
            with reverts_named("BatchAlreadyDistributed"):
                self.token.distribute.call(pid, batch, [citizen], [1], {"from": self.city})

    def rule_fund(self, st_program, st_amount):
        i = st_program
        if self.now() > self.windows[i][1]:
            with reverts_named("ProgramExpired"):
                self.token.fundProgram.call(
                    self.programs[i], st_amount * FACES[i], {"from": self.treasurer}
                )
        else:
            self.token.fundProgram(self.programs[i], st_amount * FACES[i], {"from": self.treasurer})
            self.funded[i] += st_amount * FACES[i]

    def rule_pay_from_wallet(self, st_citizen, st_program, st_spend):
        st_amount = st_spend
        i, citizen = st_program, self.citizens[st_citizen]
        held = self.balance[(citizen.address, i)]
        call = (citizen, self.grocer, self.programs[i], st_amount, b"", {"from": citizen})
        if self.now() < self.windows[i][0]:
            error = "ProgramNotStarted"
        elif self.now() > self.windows[i][1]:
            error = "ProgramExpired"
        elif st_amount > held:
            error = "ERC1155InsufficientBalance"
        else:
            self.token.safeTransferFrom(*call)
            self.balance[(citizen.address, i)] -= st_amount
            self.balance[(self.grocer.address, i)] += st_amount
            return
        with reverts_named(error):
            self.token.safeTransferFrom.call(*call)

    def rule_pay_with_signature(self, st_citizen, st_program, st_spend):
        st_amount = st_spend
        i, citizen = st_program, self.citizens[st_citizen]
        signed = payments.authorize(
            self.signer(citizen),
            merchant=self.grocer.address,
            program_id=self.programs[i],
            amount=st_amount,
            chain_id=web3.eth.chain_id,
            verifying_contract=self.token.address,
            valid_after=self.now() - 60,
        )
        args = (*signed.authorization.call_args(), signed.signature, {"from": self.grocer})
        held = self.balance[(citizen.address, i)]
        if self.now() < self.windows[i][0]:
            with reverts_named("ProgramNotStarted"):
                self.token.payWithAuthorization.call(*args)
        elif self.now() > self.windows[i][1]:
            with reverts_named("ProgramExpired"):
                self.token.payWithAuthorization.call(*args)
        elif st_amount > held:
            with reverts_named("ERC1155InsufficientBalance"):
                self.token.payWithAuthorization.call(*args)
        else:
            self.token.payWithAuthorization(*args)
            self.balance[(citizen.address, i)] -= st_amount
            self.redeemed[i] += st_amount
            self.used_authorizations.append(signed)
            with reverts_named("AuthorizationAlreadyUsed"):
                self.token.payWithAuthorization.call(*args)

    def rule_grocer_redeems(self, st_program, st_spend):
        i = st_program
        held = min(st_spend, self.balance[(self.grocer.address, i)])
        if not held:
            return
        if self.now() > self.windows[i][1] + GRACE:
            with reverts_named("RedemptionClosed"):
                self.token.redeem.call([self.programs[i]], [held], {"from": self.grocer})
        else:
            self.token.redeem([self.programs[i]], [held], {"from": self.grocer})
            self.balance[(self.grocer.address, i)] -= held
            self.redeemed[i] += held

    def rule_time_passes(self, st_days):
        chain.sleep(st_days * DAY)
        chain.mine()

    def rule_treasurer_withdraws_unspent(self, st_program):
        i = st_program
        if not self.closed(i):
            with reverts_named("RedemptionStillOpen"):
                self.token.withdrawUnspent.call(self.programs[i], {"from": self.treasurer})
            return
        left = self.funded[i] - self.withdrawn[i] - self.redeemed[i] * FACES[i]
        if left == 0:
            with reverts_named("NothingToWithdraw"):
                self.token.withdrawUnspent.call(self.programs[i], {"from": self.treasurer})
        else:
            self.token.withdrawUnspent(self.programs[i], {"from": self.treasurer})
            self.withdrawn[i] += left

    def rule_treasurer_reclaims_expired(self, st_program):
        i = st_program
        if not self.closed(i):
            return
        self.token.reclaimExpired(self.programs[i], self.holders, {"from": self.treasurer})
        for h in self.holders:
            self.reclaimed[i] += self.balance[(h.address, i)]
            self.balance[(h.address, i)] = 0

    # ---- invariants ----------------------------------------------------------------------
    # One invariant method, so each step costs one round of reads; each assertion is one of the
    # invariants named in the module docstring.

    def invariant_books_balance(self):
        holders = self.holders * 2
        ids = [self.programs[0]] * len(self.holders) + [self.programs[1]] * len(self.holders)
        held = list(self.token.balanceOfBatch(holders, ids))
        escrow_total = 0
        for i, pid in enumerate(self.programs):
            p = self.token.program(pid)
            escrow = self.token.programEscrow(pid)
            # the chain agrees with the model
            assert (p["minted"], p["redeemed"], p["reclaimed"]) == (
                self.minted[i],
                self.redeemed[i],
                self.reclaimed[i],
            )
            # minted ≤ budget; redeemed ≤ minted
            assert p["redeemed"] <= p["minted"] <= BUDGETS[i]
            # balances add up to minted − redeemed − reclaimed
            mine = held[i * len(self.holders) : (i + 1) * len(self.holders)]
            assert mine == [self.balance[(h.address, i)] for h in self.holders]
            assert sum(mine) == self.minted[i] - self.redeemed[i] - self.reclaimed[i]
            # the escrow holds exactly what was funded less paid and withdrawn, and backs every
            # token still spendable at face value
            expected = self.funded[i] - self.redeemed[i] * FACES[i] - self.withdrawn[i]
            assert escrow["balance"] == expected >= escrow["outstandingValue"]
            if not self.closed(i):
                assert escrow["outstandingValue"] == sum(mine) * FACES[i]
            escrow_total += expected
        assert self.usd.balanceOf(self.token) == escrow_total
        # an authorization once used stays used
        if self.used_authorizations:
            last = self.used_authorizations[-1].authorization
            assert self.token.authorizationState(last.citizen, last.nonce)


@pytest.fixture(scope="module")
def setup_benefits(stablecoin, city, treasurer, grocer):
    token = benefit_token_on(stablecoin, city, treasurer, minter=city)
    token.onboardMerchant(grocer, MerchantCategory.GROCERY, 1, grocer, {"from": city})
    now = chain.time()
    programs = []
    for i, (days, start) in enumerate([(30, now - 1), (45, now - 1)]):
        config = (
            f"P{i}",
            4,
            FACES[i],
            BUDGETS[i],
            start,
            now + days * DAY,
            bits([MerchantCategory.GROCERY]),
            bits([1]),
            CAP[i],
            "",
        )
        pid = token.createProgram(config, {"from": city}).events["NewPBMTypeCreated"]["tokenId"]
        token.fundProgram(pid, FUNDED[i], {"from": treasurer})
        programs.append(pid)
    return token, programs


def test_benefit_budgets_escrow_and_balances_hold(
    setup_benefits, stablecoin, alice, bob, carol, grocer, city, treasurer, signer
):
    token, programs = setup_benefits
    state_machine(
        BenefitsMachine,
        token,
        stablecoin,
        programs,
        [alice, bob, carol],
        grocer,
        city,
        treasurer,
        signer,
        settings={"max_examples": 15, "stateful_step_count": 20},
    )
