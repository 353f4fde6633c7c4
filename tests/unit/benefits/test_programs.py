"""Programs: creation, the terms a program must have, rule changes with old and new values."""

import brownie
from brownie import chain

from civicledger.benefits import MerchantCategory, bits
from civicledger.roles import role_id
from tests.conftest import ANY, plain

from .conftest import DAY, FACE, NORTH, SOUTH, program_config


def test_program_manager_creates_a_program_with_its_terms(benefit, city):
    tx = benefit.createProgram(program_config(), {"from": city})
    pid = tx.events["NewPBMTypeCreated"]["tokenId"]
    assert pid == 1 and benefit.programCount() == 1
    assert tx.events["NewPBMTypeCreated"]["tokenName"] == "Health 2027"
    assert tx.events["NewPBMTypeCreated"]["amount"] == 1_000
    assert tx.events["ProgramCreated"]["faceValue"] == FACE
    assert tx.events["URI"]["value"] == "ipfs://health-2027.json"
    p = benefit.program(pid)
    assert (p["faceValue"], p["budget"], p["minted"], p["redeemed"], p["reclaimed"]) == (
        FACE,
        1000,
        0,
        0,
        0,
    )
    assert p["districts"] == bits([NORTH])


def test_program_exposes_erc7291_token_details_and_erc1155_uri(benefit, city):
    config = program_config()
    benefit.createProgram(config, {"from": city})
    assert plain(benefit.getTokenDetails(1)) == (
        "Health 2027",
        FACE,
        config[5],
        "ipfs://health-2027.json",
    )
    assert benefit.uri(1) == "ipfs://health-2027.json"


def test_account_without_program_manager_role_cannot_create_a_program(benefit, alice, reverts):
    with reverts("AccessControlUnauthorizedAccount", alice, role_id("PROGRAM_MANAGER_ROLE")):
        benefit.createProgram(program_config(), {"from": alice})


def test_program_must_end_after_it_starts(benefit, city, reverts):
    now = chain.time()
    with reverts("ProgramValidityInvalid", now + 10, now + 10, ANY):
        benefit.createProgram(
            program_config(validFrom=now + 10, validUntil=now + 10), {"from": city}
        )


def test_program_cannot_be_created_already_expired(benefit, city, reverts):
    now = chain.time()
    with reverts("ProgramValidityInvalid", now - 100, now - 50, ANY):
        benefit.createProgram(
            program_config(validFrom=now - 100, validUntil=now - 50), {"from": city}
        )


def test_program_terms_must_not_be_zero(benefit, city, reverts):
    for term, override in [
        ("faceValue", {"faceValue": 0}),
        ("budget", {"budget": 0}),
        ("merchantCategories", {"merchantCategories": 0}),
        ("districts", {"districts": 0}),
    ]:
        with reverts("ProgramTermsInvalid", term):
            benefit.createProgram(program_config(**override), {"from": city})


def test_unknown_program_is_reported_by_id(benefit, reverts):
    with brownie.reverts("ProgramNotFound: 7"):
        benefit.program(7)


def test_rule_change_emits_previous_and_new_rules(benefit, city, make_program):
    pid = make_program(fund=False)
    old = benefit.program(pid)
    new_until = old["validUntil"] + 10 * DAY
    rules = (2_000, new_until, bits([MerchantCategory.PHARMACY]), bits([NORTH, SOUTH]), 5)
    tx = benefit.changeProgramRules(pid, rules, {"from": city})
    event = tx.events["ProgramRulesChanged"]
    assert plain(event["previous"]) == (
        1_000,
        old["validUntil"],
        old["merchantCategories"],
        old["districts"],
        0,
    )
    assert plain(event["current"]) == rules
    p = benefit.program(pid)
    assert (p["budget"], p["validUntil"], p["perCitizenCap"], p["faceValue"]) == (
        2_000,
        new_until,
        5,
        FACE,
    )


def test_rule_change_cannot_bring_expiry_forward(benefit, city, make_program, reverts):
    pid = make_program(fund=False)
    p = benefit.program(pid)
    with reverts("ProgramExpiryShortened", pid, p["validUntil"], p["validUntil"] - 1):
        benefit.changeProgramRules(pid, (1_000, p["validUntil"] - 1, 1, 1, 0), {"from": city})


def test_rule_change_cannot_cut_budget_below_minted(
    benefit, city, make_program, give, alice, reverts
):
    pid = make_program(merchantCategories=1)
    give(pid, alice, amount=40)
    p = benefit.program(pid)
    with reverts("BudgetBelowMinted", pid, 40, 39):
        benefit.changeProgramRules(pid, (39, p["validUntil"], 1, 1, 0), {"from": city})


def test_rule_change_needs_program_manager_role(benefit, make_program, alice, reverts):
    pid = make_program(fund=False)
    with reverts("AccessControlUnauthorizedAccount", alice, role_id("PROGRAM_MANAGER_ROLE")):
        benefit.changeProgramRules(pid, (1, 2**40 - 1, 1, 1, 0), {"from": alice})


def test_rule_change_of_unknown_program_is_refused(benefit, city, reverts):
    with reverts("ProgramNotFound", 9):
        benefit.changeProgramRules(9, (1, 2**40 - 1, 1, 1, 0), {"from": city})


def test_program_manager_can_point_metadata_elsewhere(benefit, city, make_program):
    pid = make_program(fund=False)
    tx = benefit.setProgramURI(pid, "ipfs://v2.json", {"from": city})
    assert tx.events["URI"]["value"] == "ipfs://v2.json" and tx.events["URI"]["id"] == pid
    assert benefit.uri(pid) == "ipfs://v2.json"


def test_program_figures_must_fit_their_storage(benefit, city, reverts):
    for term, override in [
        ("faceValue", {"faceValue": 2**48}),
        ("budget", {"budget": 2**40}),
        ("perCitizenCap", {"perCitizenCap": 2**40}),
    ]:
        with reverts("ProgramTermsInvalid", term):
            benefit.createProgram(program_config(**override), {"from": city})


def test_program_cannot_run_past_2106(benefit, city, reverts):
    now = chain.time()
    with reverts("ProgramValidityInvalid", now, 2**32, ANY):
        benefit.createProgram(program_config(validFrom=now, validUntil=2**32), {"from": city})


def test_rule_change_cannot_extend_past_2106(benefit, city, make_program, reverts):
    pid = make_program(fund=False)
    p = benefit.program(pid)
    with reverts("ProgramValidityInvalid", p["validFrom"], 2**32, ANY):
        benefit.changeProgramRules(pid, (1_000, 2**32, 1, 1, 0), {"from": city})
