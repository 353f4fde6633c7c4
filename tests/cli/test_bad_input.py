"""Bad input fed to `civic`, one table row a kind: each ends in one line that names the problem,
exit status 2, no traceback, and nothing sent (the would-be signers' nonces are read on the
chain before and after). A spreadsheet with a byte-order mark or CRLF line ends is not bad
input: it is distributed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_account import Account
from eth_utils import keccak

from civicledger import chain, devchain
from civicledger.cli import main
from tests.conftest import dev_node

DEV = [devchain.dev_account(i) for i in range(3)]
CITY, OUTSIDER, GROCER = (a.address for a in DEV)
KEYSTORE_ACCOUNT = Account.from_key(keccak(text="bad-input keystore"))
PASSWORD = "correct horse"


def citizen(n: int) -> str:
    return Account.from_key(keccak(text=f"bad-input citizen {n}")).address


A, B, C = citizen(1), citizen(2), citizen(3)
WRONG_CASE = A[:2] + "".join(c.swapcase() if c.isalpha() else c for c in A[2:])
ONE_FLIPPED = A[:-1] + (A[-1].swapcase() if A[-1].isalpha() else A[-1])
if ONE_FLIPPED == A:  # the last digit is a number: flip the first letter instead
    i = next(i for i, c in enumerate(A) if i > 1 and c.isalpha())
    ONE_FLIPPED = A[:i] + A[i].swapcase() + A[i + 1 :]
H = "address,amount\n"


# --------------------------------------------------------------------------------------------
# The chain: a dev Ganache set up through the CLI itself


@pytest.fixture(scope="module")
def node():
    with dev_node(accounts=3) as dev:
        yield dev


@pytest.fixture(scope="module")
def world(node, tmp_path_factory):
    """A deployment with: program 1 (cap 1,000 a citizen, funded), program 2 (expired), program
    3 (never funded); dev2 a grocery merchant; a keystore file for a funded distributor."""
    url = node.w3.provider.endpoint_uri
    folder = tmp_path_factory.mktemp("bad-input")
    env = {
        "CIVIC_DEPLOYMENTS": str(folder / "deployments"),
        "CIVIC_NETWORK": url,
        "CIVIC_BROWNIE_ACCOUNTS": str(folder / "no-accounts"),
        **{k: None for k in ("CIVIC_ACCOUNT", "CIVIC_PRIVATE_KEY", "CIVIC_KEYSTORE")},
        **{k: None for k in ("CIVIC_KEYSTORE_PASSWORD", "SEPOLIA_RPC_URL", "CIVIC_RPC_URL")},
    }

    def ok(*args):
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result

    ok("deploy")
    for role in ("PROGRAM_MANAGER_ROLE", "DISTRIBUTOR_ROLE", "TREASURER_ROLE"):
        ok("grant", role, CITY)
    ok("grant", "MERCHANT_MANAGER_ROLE", CITY)
    ok("grant", "DISTRIBUTOR_ROLE", KEYSTORE_ACCOUNT.address)
    ok("dev-mint", "1000000")
    program = ["program", "create", "--category", "social-welfare", "--face-value", "1"]
    program += ["--merchants", "grocery", "--districts", "1,2"]
    ok(*program, "--name", "Food", "--budget", "100000", "--valid-until", "+90d")
    ok(*program, "--name", "Old", "--budget", "1000", "--valid-until", str(int(time.time()) + 20))
    ok(*program, "--name", "Unfunded", "--budget", "1000", "--valid-until", "+90d")
    ok("program", "rules", "1", "--per-citizen-cap", "1000")
    ok("program", "fund", "1", "100000")
    ok("program", "fund", "2", "1000")
    ok("merchant", "onboard", GROCER, "--category", "grocery", "--district", "1")
    node.w3.provider.make_request("evm_increaseTime", [3600])
    node.w3.provider.make_request("evm_mine", [])
    chain.send_ether(node.w3, DEV[0], KEYSTORE_ACCOUNT.address, 10**18)

    keystore = folder / "distributor.json"
    keystore.write_text(json.dumps(Account.encrypt(KEYSTORE_ACCOUNT.key, PASSWORD)))
    (folder / "garbage.json").write_text("{not json")
    (folder / "no-accounts").mkdir()
    return {"env": env, "folder": folder, "keystore": keystore}


def nonces(w3) -> list[int]:
    return [
        w3.eth.get_transaction_count(a) for a in (CITY, OUTSIDER, GROCER, KEYSTORE_ACCOUNT.address)
    ]


# --------------------------------------------------------------------------------------------
# The table: (kind, spreadsheet text or None, command after `civic`, env, expected words)
# `{csv}` in the command is the spreadsheet's path, `{dir}` the fixture's folder, `{url}` the
# node's URL.

# fmt: off
DIST = ["distribute", "1", "{csv}", "--run-id", "{run}"]
CASES: list[tuple[str, str | bytes | None, list[str], dict, str]] = [
    # Addresses in the spreadsheet
    ("short address", H + "0x12345,5\n", DIST, {}, "'0x12345' is not an Ethereum address"),
    ("address without 0x", H + A[2:] + ",5\n", DIST, {}, "is not an Ethereum address"),
    ("address with a non-hex digit", H + A[:-1] + "g,5\n", DIST, {}, "not an Ethereum address"),
    ("address of 41 digits", H + A + "0,5\n", DIST, {}, "is not an Ethereum address"),
    ("address of 39 digits", H + A[:-1] + ",5\n", DIST, {}, "is not an Ethereum address"),
    ("mixed case, all letters swapped", H + WRONG_CASE + ",5\n", DIST, {}, "wrong checksum"),
    ("mixed case, one letter swapped", H + ONE_FLIPPED + ",5\n", DIST, {}, "wrong checksum"),
    ("ENS-like name", H + "alice.eth,5\n", DIST, {}, "'alice.eth' is not an Ethereum address"),
    ("ENS subdomain", H + "food.city.eth,5\n", DIST, {}, "is not an Ethereum address"),
    ("address with a space in it", H + A[:20] + " " + A[20:] + ",5\n", DIST, {}, "not an Eth"),
    ("empty address cell", H + ",5\n", DIST, {}, "'' is not an Ethereum address"),
    ("the zero address", H + "0x" + "0" * 40 + ",5\n", DIST, {}, "ERC1155InvalidReceiver"),
    ("a contract that refuses tokens", None, DIST, {}, "refuses the tokens"),
    ("a merchant as a citizen", H + GROCER + ",5\n", DIST, {}, "is a merchant"),
    # Amounts
    ("negative amount", H + A + ",-5\n", DIST, {}, "amount '-5' is not a whole number"),
    ("zero amount", H + A + ",0\n", DIST, {}, "amount '0' is not a whole number"),
    ("fractional amount", H + A + ",1.5\n", DIST, {}, "amount '1.5' is not a whole number"),
    ("amount in exponent form", H + A + ",1e3\n", DIST, {}, "amount '1e3' is not a whole"),
    ("amount in words", H + A + ",five\n", DIST, {}, "amount 'five' is not a whole number"),
    ("amount in hex", H + A + ",0x10\n", DIST, {}, "amount '0x10' is not a whole number"),
    ("amount with a thousands comma", H + A + ',"1,000"\n', DIST, {}, "'1,000' is not a whole"),
    ("amount with a space inside", H + A + ",1 000\n", DIST, {}, "'1 000' is not a whole"),
    ("amount infinity", H + A + ",inf\n", DIST, {}, "amount 'inf' is not a whole number"),
    ("amount over the cap", H + A + ",1001\n", DIST, {}, "over the per-citizen cap of 1000"),
    ("huge amount", H + A + "," + "9" * 30 + "\n", DIST, {}, "has 100,000 of its 100,000 left"),
    ("amount past uint256", H + A + "," + str(2**256) + "\n", DIST, {}, "of its 100,000 left"),
    ("missing amount", H + A + ",\n", DIST, {}, "needs two columns: address,amount"),
    # Rows and files
    ("duplicate row", H + f"{A},5\n{A},5\n", DIST, {}, f"{A} is already on line 2"),
    ("duplicate in another case", H + f"{A},5\n{A.lower()},7\n", DIST, {}, "already on line 2"),
    ("empty file", "", DIST, {}, "holds no rows to distribute"),
    ("header only", H, DIST, {}, "holds no rows to distribute"),
    ("blank lines and comments only", "\n# nobody yet\n\n", DIST, {}, "holds no rows"),
    ("one column", H + A + "\n", DIST, {}, "needs two columns: address,amount"),
    ("columns swapped", "amount,address\n5," + A + "\n", DIST, {}, "columns are swapped"),
    ("wrong columns", "name,amount\nAlice,5\n", DIST, {}, "'Alice' is not an Ethereum address"),
    ("semicolon separated", H + A + ";5\n", DIST, {}, "needs two columns"),
    ("tab separated", H + A + "\t5\n", DIST, {}, "needs two columns"),
    ("a binary file (xlsx)", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xff\xfe", DIST, {}, "UTF-8"),
    ("UTF-16 text", (H + A + ",5\n").encode("utf-16"), DIST, {}, "not UTF-8"),
    ("no such file", None, ["distribute", "1", "{dir}/nope.csv", "--run-id", "x"], {}, "no spre"),
    ("a folder, not a file", None, ["distribute", "1", "{dir}", "--run-id", "x"], {}, "director"),
    # Programs
    ("unknown program id", H + A + ",5\n", ["distribute", "99", "{csv}", "--run-id", "x"], {},
     "program 99 does not exist"),
    ("program id 0", H + A + ",5\n", ["distribute", "0", "{csv}", "--run-id", "x"], {},
     "program 0 does not exist"),
    ("program id not a number", H + A + ",5\n", ["distribute", "one", "{csv}", "--run-id", "x"],
     {}, "'one' is not a valid integer"),
    ("program id past uint256", H + A + ",5\n",
     ["distribute", str(2**256), "{csv}", "--run-id", "x"], {}, "'PROGRAM_ID'"),
    ("expired program", H + A + ",5\n", ["distribute", "2", "{csv}", "--run-id", "x"], {},
     "program 2 expired"),
    ("program without escrow", H + A + ",5\n", ["distribute", "3", "{csv}", "--run-id", "x"], {},
     "fund it with 5,000,000 more"),
    # Options
    ("batch size 0", H + A + ",5\n", [*DIST, "--batch-size", "0"], {}, "--batch-size"),
    ("batch size over the contract's", H + A + ",5\n", [*DIST, "--batch-size", "501"], {},
     "--batch-size"),
    ("empty run id", H + A + ",5\n", ["distribute", "1", "{csv}", "--run-id", ""], {},
     "a run id is a short name"),
    ("window of 0", H + A + ",5\n", [*DIST, "--window", "0"], {}, "--window"),
    ("log chunk of 0 blocks", H + A + ",5\n", [*DIST, "--log-chunk", "0"], {}, "--log-chunk"),
    # Networks
    ("unknown network", H + A + ",5\n", [*DIST, "--network", "sepolia2"], {},
     "unknown network 'sepolia2'"),
    ("missing RPC URL", H + A + ",5\n", [*DIST, "--network", "sepolia"], {},
     "comes from $SEPOLIA_RPC_URL, which is not set"),
    ("no node at the URL", H + A + ",5\n", [*DIST, "--network", "http://127.0.0.1:9"], {},
     "no Ethereum node answers"),
    ("a URL that is not http", H + A + ",5\n", [*DIST, "--network", "ftp://127.0.0.1"], {},
     "unknown network 'ftp://127.0.0.1'"),
    ("node of another chain", H + A + ",5\n", [*DIST, "--network", "sepolia"],
     {"SEPOLIA_RPC_URL": "{url}"}, "is chain 1337, but network 'sepolia' is chain 11155111"),
    ("no deployment for the chain", H + A + ",5\n", DIST, {"CIVIC_DEPLOYMENTS": "{dir}/none"},
     "run `civic deploy --network"),
    # Accounts
    ("missing keystore alias", H + A + ",5\n", [*DIST, "--account", "treasurer"], {},
     "no account 'treasurer' in"),
    ("missing keystore file", H + A + ",5\n", [*DIST, "--account", "{dir}/gone.json"], {},
     "gone.json, which is not a file"),
    ("keystore that is not JSON", H + A + ",5\n", [*DIST, "--account", "{dir}/garbage.json"],
     {"CIVIC_KEYSTORE_PASSWORD": "x"}, "cannot decrypt keystore"),
    ("wrong password", H + A + ",5\n", [*DIST, "--account", "{dir}/distributor.json"],
     {"CIVIC_KEYSTORE_PASSWORD": "wrong"}, "cannot decrypt keystore"),
    ("no password and no terminal", H + A + ",5\n", DIST,
     {"CIVIC_KEYSTORE": "{dir}/distributor.json"}, "no terminal to ask on"),
    ("malformed private key", H + A + ",5\n", DIST, {"CIVIC_PRIVATE_KEY": "0x1234"},
     "CIVIC_PRIVATE_KEY is not a 32-byte hex private key"),
    ("account without the role", H + A + ",5\n", [*DIST, "--account", "dev1"], {},
     "lacks DISTRIBUTOR_ROLE"),
    # Other commands
    ("grant to an ENS name", None, ["grant", "DISTRIBUTOR_ROLE", "city.eth"], {},
     "'city.eth' is not an Ethereum address"),
    ("onboard a wrong checksum", None,
     ["merchant", "onboard", WRONG_CASE, "--category", "grocery", "--district", "1"], {},
     "wrong checksum"),
    ("fund with a negative amount", None, ["program", "fund", "1", "--", "-5"], {},
     "must be above 0"),
    ("fund with zero", None, ["program", "fund", "1", "0"], {}, "must be above 0"),
    ("fund past the coin's decimals", None, ["program", "fund", "1", "0.0000001"], {},
     "at most 6 decimals"),
    ("fund with words", None, ["program", "fund", "1", "lots"], {}, "'lots' is not a number"),
    ("pay a zero amount", None,
     ["pay", "sign", "--program", "1", "--merchant", GROCER, "--amount", "0"], {}, "--amount"),
    ("pay a fractional amount", None,
     ["pay", "sign", "--program", "1", "--merchant", GROCER, "--amount", "1.5"], {}, "--amount"),
    ("submit an empty file", "", ["merchant", "submit", "{csv}"], {}, "is empty"),
    ("submit a broken JSON", "{\"citizen\": ", ["merchant", "submit", "{csv}"], {},
     "is not valid JSON"),
    ("submit a garbled civicpay text", "civicpay:1:zzz", ["merchant", "submit", "{csv}"], {},
     "line 1"),
    ("create a program with a bad date", None,
     ["program", "create", "--name", "X", "--category", "health", "--face-value", "1",
      "--budget", "10", "--valid-until", "next week", "--merchants", "pharmacy",
      "--districts", "1"], {}, "'next week' is not a date"),
]
# fmt: on


def _fill(text: str, paths: dict[str, str]) -> str:
    for key, value in paths.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.mark.parametrize(
    "kind,sheet,args,env,expected", CASES, ids=[c[0].replace(" ", "-") for c in CASES]
)
def test_bad_input_is_one_line_exit_2_and_sends_nothing(
    node, world, tmp_path, kind, sheet, args, env, expected
):
    csv = tmp_path / "input.csv"
    if kind == "a contract that refuses tokens":
        from civicledger.manifest import Manifest

        stable = Manifest.load(1337, Path(world["env"]["CIVIC_DEPLOYMENTS"])).settings["stablecoin"]
        sheet = H + f"{A},5\n{stable},5\n"
    if isinstance(sheet, bytes):
        csv.write_bytes(sheet)
    elif sheet is not None:
        csv.write_text(sheet)
    paths = {"csv": str(csv), "dir": str(world["folder"]), "url": node.w3.provider.endpoint_uri}
    full_env = {**world["env"], **{k: _fill(v, paths) for k, v in env.items()}}
    before = nonces(node.w3)

    paths["run"] = kind.replace(" ", "-")
    args = [_fill(a, paths) for a in args]
    result = CliRunner().invoke(main, args, env=full_env)

    output = result.output
    lines = [line for line in output.splitlines() if line.strip()]
    assert (
        "Traceback" not in output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    ), f"{kind}: {output!r} {result.exception!r}"
    assert result.exit_code == 2, f"{kind}: exit {result.exit_code}: {output}"
    assert len(lines) == 1, f"{kind}: not one line: {output}"
    assert expected in lines[0], f"{kind}: {lines[0]!r} does not say {expected!r}"
    assert nonces(node.w3) == before, f"{kind}: a transaction was sent"


# --------------------------------------------------------------------------------------------
# Not bad input: a spreadsheet saved by Excel or on Windows is distributed


@pytest.mark.parametrize(
    "kind,encode",
    [
        ("bom", lambda text: b"\xef\xbb\xbf" + text.encode()),
        ("crlf", lambda text: text.replace("\n", "\r\n").encode()),
        ("bom-and-crlf", lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()),
        ("bom-without-header", lambda text: b"\xef\xbb\xbf" + text.split("\n", 1)[1].encode()),
    ],
)
def test_a_spreadsheet_with_a_byte_order_mark_or_crlf_line_ends_is_distributed(
    node, world, tmp_path, kind, encode
):
    from civicledger.manifest import Manifest

    people = [citizen(100 + i + 10 * len(kind)) for i in range(3)]
    sheet = tmp_path / f"{kind}.csv"
    sheet.write_bytes(encode(H + "".join(f"{a},{i + 1}\n" for i, a in enumerate(people))))
    before = node.w3.eth.get_transaction_count(CITY)

    result = CliRunner().invoke(
        main, ["distribute", "1", str(sheet), "--run-id", kind, "--quiet"], env=world["env"]
    )

    assert result.exit_code == 0, result.output
    token = chain.at(
        node.w3,
        "BenefitToken",
        Manifest.load(1337, Path(world["env"]["CIVIC_DEPLOYMENTS"])).address("BenefitToken"),
    )
    assert token.functions.balanceOfBatch(people, [1] * 3).call() == [1, 2, 3]
    assert node.w3.eth.get_transaction_count(CITY) == before + 1


def test_the_table_holds_at_least_fifty_kinds_of_bad_input():
    assert len({c[0] for c in CASES}) == len(CASES) >= 50
