"""Distribution from a spreadsheet: every citizen paid exactly once across interruptions, every
bad row named before anything is sent, an edited spreadsheet refused on resume."""

import csv

import pytest
from brownie import web3
from eth_account import Account
from eth_utils import keccak

from civicledger import benefits, chain, distribution, roles
from civicledger.benefits import MerchantCategory, ProgramCategory, bits
from civicledger.deploy import deploy_suite
from civicledger.distribution import BadRows, RunMismatch
from civicledger.errors import CivicError

FACE = 1_000_000


class Cut(Exception):
    """A laptop closed, a node restarted: the run stops after some batches."""


def cut_after(batches: int):
    """Stops the run once `batches` batches are sent and mined. Counted at sending (when a
    pipelined run learns of a receipt depends on the node's speed), then waited for: Anvil
    answers a broadcast before it mines it, and a run resumed before that would see the batch
    neither on chain nor in a journal (these runs keep none)."""
    sent = []

    def progress(event, batch, tx_hash):
        if event == "sent":
            sent.append(batch.index)
            if len(sent) >= batches:
                web3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
                raise Cut

    return progress


def citizens(count, tag="c"):
    return [Account.from_key(keccak(text=f"distribution {tag} {i}")).address for i in range(count)]


@pytest.fixture(scope="module")
def suite(w3, city, signer, tmp_path_factory):
    return deploy_suite(w3, signer(city), deployments=tmp_path_factory.mktemp("deployments"))


@pytest.fixture(scope="module")
def city_staff(w3, suite, city, signer, grocer):
    admin = signer(city)
    roles.grant_roles(
        w3,
        admin,
        suite.benefits,
        {
            r: city.address
            for r in (
                "PROGRAM_MANAGER_ROLE",
                "MERCHANT_MANAGER_ROLE",
                "DISTRIBUTOR_ROLE",
                "TREASURER_ROLE",
            )
        },
    )
    chain.transact(w3, admin, suite.stablecoin.functions.mint(city.address, 10**15))
    benefits.onboard_merchant(
        w3, admin, suite.benefits, grocer.address, MerchantCategory.GROCERY, 2
    )
    return admin


@pytest.fixture(scope="module")
def make_program(w3, suite, city_staff):
    def make(budget=100_000, cap=0, fund=True):
        now = w3.eth.get_block("latest")["timestamp"]
        config = benefits.ProgramConfig(
            name="Food 2027",
            category=ProgramCategory.SOCIAL_WELFARE,
            face_value=FACE,
            budget=budget,
            valid_from=now - 60,
            valid_until=now + 90 * 86400,
            merchant_categories=bits([MerchantCategory.GROCERY]),
            districts=bits([2]),
            per_citizen_cap=cap,
        )
        pid = benefits.create_program(w3, city_staff, suite.benefits, config)
        if fund:
            benefits.fund_program(
                w3, city_staff, suite.benefits, suite.stablecoin, pid, budget * FACE
            )
        return pid

    return make


@pytest.fixture
def run(w3, suite, city_staff):
    """distribution.distribute with the city as distributor, from the deployment block."""

    def _run(pid, rows, **kwargs):
        kwargs.setdefault("run_id", "jan")
        kwargs.setdefault("from_block", suite.manifest.contracts["BenefitToken"]["block"])
        return distribution.distribute(w3, city_staff, suite.benefits, pid, rows, **kwargs)

    return _run


def holdings(suite, pid, addresses):
    return suite.benefits.functions.balanceOfBatch(addresses, [pid] * len(addresses)).call()


# ------------------------------------------------------------------------------ exactly once


def test_resume_with_the_batch_size_left_to_the_tool_pays_every_citizen_exactly_once(
    suite, make_program, run
):
    pid = make_program()
    people = citizens(800, "default-size")
    rows = [(a, 3) for a in people]
    with pytest.raises(Cut):
        run(pid, rows, progress=cut_after(1))
    assert (
        sum(1 for held in holdings(suite, pid, people) if held) == distribution.default_batch_size()
    )

    report = run(pid, rows)

    assert report.already_on_chain == [0]
    assert holdings(suite, pid, people) == [3] * 800
    assert benefits.program(suite.benefits, pid).minted == 2_400


def test_resume_with_a_per_citizen_cap_of_one_finishes_without_overlap(suite, make_program, run):
    pid = make_program(cap=1)
    people = citizens(60, "cap-one")
    rows = [(a, 1) for a in people]
    with pytest.raises(Cut):
        run(pid, rows, batch_size=20, progress=cut_after(2))

    report = run(pid, rows)

    assert report.batch_size == 20 and report.already_on_chain == [0, 1] and report.sent == [2]
    assert holdings(suite, pid, people) == [1] * 60


def test_a_finished_run_sent_again_sends_nothing(suite, make_program, run):
    pid = make_program()
    rows = [(a, 2) for a in citizens(30, "again")]
    run(pid, rows, batch_size=10)

    again = run(pid, rows)

    assert again.already_on_chain == [0, 1, 2] and again.sent == []
    assert benefits.program(suite.benefits, pid).minted == 60


def test_batch_ids_record_the_run_batch_size_and_index():
    bid = distribution.batch_id("jan", 7, 250, 3)
    assert distribution.split_batch_id(bid) == (distribution.run_tag("jan", 7), 250, 3)
    assert distribution.batch_id("jan", 7, 250, 3) != distribution.batch_id("feb", 7, 250, 3)


# ------------------------------------------------------------------------------ edited spreadsheets


def test_an_edited_spreadsheet_on_resume_is_refused_naming_the_row_and_nothing_is_sent(
    w3, suite, make_program, run, city
):
    pid = make_program()
    people = citizens(30, "edited")
    rows = [(a, 2) for a in people]
    with pytest.raises(Cut):
        run(pid, rows, batch_size=10, progress=cut_after(1))
    edited = list(rows)
    edited[4] = (people[4], 9)
    nonce = w3.eth.get_transaction_count(city.address)

    with pytest.raises(RunMismatch, match=r"position 5, but line 5 now says .* 9"):
        run(pid, edited)

    assert w3.eth.get_transaction_count(city.address) == nonce
    assert sum(holdings(suite, pid, people)) == 20


def test_rows_removed_from_the_spreadsheet_on_resume_are_refused(suite, make_program, run):
    pid = make_program()
    rows = [(a, 2) for a in citizens(30, "shortened")]
    with pytest.raises(Cut):
        run(pid, rows, batch_size=10, progress=cut_after(3))

    with pytest.raises(RunMismatch, match="rows were removed"):
        run(pid, rows[:15])


def test_resuming_with_another_batch_size_is_refused(suite, make_program, run):
    pid = make_program()
    rows = [(a, 2) for a in citizens(30, "resize")]
    with pytest.raises(Cut):
        run(pid, rows, batch_size=10, progress=cut_after(1))

    with pytest.raises(RunMismatch, match="started with batches of 10"):
        run(pid, rows, batch_size=15)


# ------------------------------------------------------------------------------ checks before sending


def test_every_bad_row_of_a_spreadsheet_is_reported_at_once_with_its_line(tmp_path):
    good = citizens(2, "csv")
    sheet = tmp_path / "citizens.csv"
    sheet.write_text(
        "address,amount\n"
        f"{good[0]},5\n"
        "0x1234,5\n"
        f"{good[1].lower()},0\n"
        f"{good[0]},5\n"
        f"{good[1][:-1] + ('a' if good[1][-1] != 'a' else 'b')},2\n"
    )
    with pytest.raises(BadRows) as caught:
        distribution.read_csv(sheet)
    lines = [line for line, _ in caught.value.problems]
    assert lines == [3, 4, 5, 6]
    assert "not an Ethereum address" in str(caught.value)
    assert "already on line 2" in str(caught.value)
    assert "wrong checksum" in str(caught.value)


def test_a_wrong_checksum_is_a_bad_row():
    address = citizens(1, "checksum")[0]
    flipped = address[:2] + "".join(c.swapcase() if c.isalpha() else c for c in address[2:])
    with pytest.raises(BadRows, match="wrong checksum"):
        distribution.parse_rows([[flipped, "1"]])


def test_rows_over_the_cap_and_merchants_are_named_before_anything_is_sent(
    w3, suite, make_program, run, grocer, city
):
    pid = make_program(cap=5)
    people = citizens(12, "over-cap")
    rows = [(a, 2) for a in people]
    rows[3] = (people[3], 6)
    rows[9] = (grocer.address, 1)
    nonce = w3.eth.get_transaction_count(city.address)

    with pytest.raises(BadRows) as caught:
        run(pid, rows, batch_size=5)

    assert [line for line, _ in caught.value.problems] == [4, 10]
    assert "over the per-citizen cap of 5" in str(caught.value)
    assert "is a merchant" in str(caught.value)
    assert w3.eth.get_transaction_count(city.address) == nonce


def test_a_contract_recipient_that_refuses_tokens_is_named_before_anything_is_sent(
    w3, suite, make_program, run, city, city_staff
):
    pid = make_program()
    refusing, _ = chain.deploy(w3, city_staff, "TestStablecoin")
    rows = [(a, 1) for a in citizens(8, "contract")]
    rows.insert(5, (refusing.address, 1))
    nonce = w3.eth.get_transaction_count(city.address)

    with pytest.raises(
        BadRows, match=r"line 6: contract .* refuses the tokens: ERC1155InvalidReceiver"
    ):
        run(pid, rows)

    assert w3.eth.get_transaction_count(city.address) == nonce


def test_rows_beyond_the_budget_stop_the_run_before_sending(make_program, run):
    pid = make_program(budget=50)
    with pytest.raises(CivicError, match="total 60 tokens, but program .* has 50 of its 50 left"):
        run(pid, [(a, 6) for a in citizens(10, "budget")])


def test_an_unfunded_escrow_stops_the_run_and_says_how_much_to_fund(make_program, run):
    pid = make_program(fund=False)
    with pytest.raises(CivicError, match=r"escrow covers 0 units.*fund it with 10,000,000 more"):
        run(pid, [(a, 1) for a in citizens(10, "unfunded")])


def test_a_distributor_without_the_role_is_told_which_role_it_lacks(w3, suite, make_program, bob):
    pid = make_program()
    stranger = Account.from_key(keccak(text="stranger"))
    with pytest.raises(CivicError, match=f"account {stranger.address} lacks DISTRIBUTOR_ROLE"):
        distribution.distribute(
            w3, stranger, suite.benefits, pid, [(citizens(1, "r")[0], 1)], run_id="x"
        )


# ------------------------------------------------------------------------------ outputs


def test_a_dry_run_sends_nothing_and_reports_batches_and_gas(w3, suite, make_program, run, city):
    pid = make_program()
    nonce = w3.eth.get_transaction_count(city.address)

    report = run(pid, [(a, 1) for a in citizens(25, "dry")], batch_size=10, dry_run=True)

    assert report.batches == 3 and report.sent == []
    assert report.gas_limit_total == sum(distribution.gas_limit(n) for n in (10, 10, 5))
    assert w3.eth.get_transaction_count(city.address) == nonce


def test_the_receipts_csv_names_every_row_with_the_transaction_that_paid_it(
    suite, make_program, run, tmp_path
):
    pid = make_program()
    rows = distribution.as_rows([(a, 4) for a in citizens(15, "receipts")])
    with pytest.raises(Cut):
        run(pid, rows, batch_size=10, progress=cut_after(1))
    report = run(pid, rows)

    report.write_receipts(tmp_path / "receipts.csv", rows)

    written = list(csv.DictReader((tmp_path / "receipts.csv").open()))
    assert [int(r["line"]) for r in written] == list(range(1, 16))
    assert {r["batch"] for r in written} == {"0", "1"}
    assert all(r["tx"].startswith("0x") and int(r["block"]) > 0 for r in written)


def test_the_journal_records_each_transaction_before_it_is_broadcast(
    w3, suite, make_program, run, tmp_path
):
    pid = make_program()
    journal = tmp_path / "citizens.csv.jan.journal.json"
    report = run(pid, [(a, 1) for a in citizens(20, "journal")], batch_size=10, journal=journal)

    book = distribution.Journal.open(journal, f"{w3.eth.chain_id}:{suite.benefits.address}")
    assert book.batch_size == 10
    assert [entry[0]["tx"] for _, entry in sorted(book.sent.items())] == report.tx_hashes
