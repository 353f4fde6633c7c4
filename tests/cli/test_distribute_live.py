"""`civic distribute` as a city runs it on a live network: a separate Ganache posing as Sepolia
(chain id 11155111, its state in a database folder), reached by RPC URL from the environment,
the key from the environment, the `civic` command as a real process, killed with SIGKILL at
seeded random points and run again until done."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak

from civicledger import chain, devchain
from civicledger.manifest import Manifest

# A Ganache with a database folder, killed and restarted: the same run under any engine.
pytestmark = pytest.mark.ganache_by_design

ROOT = Path(__file__).resolve().parents[2]
SEPOLIA = 11155111
CITIZENS = 2_000


def civic_path() -> str:
    return shutil.which("civic") or str(Path(sys.executable).with_name("civic"))


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """A Ganache at Sepolia's chain id with a database folder; `restart()` stops it and starts it
    again on the same port from the same folder."""
    db = tmp_path_factory.mktemp("sepolia-db")
    state = {}

    class Node:
        def start(self, port=None):
            state["cm"] = devchain.ganache(accounts=3, chain_id=SEPOLIA, port=port, db_path=db)
            state["dev"] = state["cm"].__enter__()
            return state["dev"]

        def stop(self):
            state["cm"].__exit__(None, None, None)

        def restart(self):
            port = int(state["dev"].w3.provider.endpoint_uri.rsplit(":", 1)[1])
            self.stop()
            return self.start(port)

        @property
        def dev(self):
            return state["dev"]

    n = Node()
    n.start()
    yield n
    n.stop()


@pytest.fixture(scope="module")
def city_env(node, tmp_path_factory):
    dev = node.dev
    env = {
        **os.environ,
        "CIVICLEDGER_ROOT": str(ROOT),
        "CIVIC_DEPLOYMENTS": str(tmp_path_factory.mktemp("deployments")),
        "SEPOLIA_RPC_URL": dev.w3.provider.endpoint_uri,
        "CIVIC_PRIVATE_KEY": "0x" + bytes(dev.accounts[0].key).hex(),
        "CIVIC_NETWORK": "sepolia",
    }
    for name in ("CIVIC_KEYSTORE", "CIVIC_ACCOUNT", "CIVIC_STABLECOIN"):
        env.pop(name, None)
    return env


def civic(env, *args, timeout=300):
    return subprocess.run(
        [civic_path(), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def deployed(node, city_env):
    """The suite deployed on 'Sepolia' with a stablecoin of that chain, two funded programs."""
    dev = node.dev
    city = dev.accounts[0]
    # The chain's "real" stablecoin: the dev stand-in refuses to exist on a public chain id.
    coin, _ = chain.deploy(dev.w3, city, "TestStablecoin")
    chain.transact(dev.w3, city, coin.functions.mint(city.address, 10**15))
    ok(civic(city_env, "deploy", "--stablecoin", coin.address, "--yes"))
    for role in ("PROGRAM_MANAGER_ROLE", "DISTRIBUTOR_ROLE", "TREASURER_ROLE"):
        ok(civic(city_env, "grant", role, city.address))
    for name in ("Food 2027", "Health 2027"):
        ok(
            civic(
                city_env,
                "program",
                "create",
                "--name",
                name,
                "--category",
                "social-welfare",
                "--face-value",
                "1",
                "--budget",
                "50000",
                "--valid-until",
                "+90d",
                "--merchants",
                "grocery",
                "--districts",
                "1,2",
            )
        )
    ok(civic(city_env, "program", "fund", "1", "50000"))
    ok(civic(city_env, "program", "fund", "2", "50000"))
    return coin


def spreadsheet(folder: Path, name: str, seed: int) -> tuple[Path, list[tuple[str, int]]]:
    rng = random.Random(seed)
    rows = [
        (Account.from_key(keccak(text=f"{name} citizen {i}")).address, rng.randint(1, 5))
        for i in range(CITIZENS)
    ]
    path = folder / f"{name}.csv"
    path.write_text("address,amount\n" + "".join(f"{a},{n}\n" for a, n in rows))
    return path, rows


def kill_and_resume(env, args, seed, kills=20):
    """Start the distribution, SIGKILL it at a seeded random moment, `kills` times; then run it
    to the end. Returns the final run's output."""
    rng = random.Random(seed)
    for _ in range(kills):
        proc = subprocess.Popen(
            [civic_path(), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        time.sleep(rng.uniform(0.8, 3.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return ok(civic(env, *args))


def balances(w3, token, program_id, addresses):
    out = []
    for start in range(0, len(addresses), 500):
        part = addresses[start : start + 500]
        out.extend(token.functions.balanceOfBatch(part, [program_id] * len(part)).call())
    return out


def test_twenty_kills_at_random_points_leave_every_citizen_holding_exactly_their_amount(
    node, city_env, deployed, tmp_path
):
    sheet, rows = spreadsheet(tmp_path, "food", seed=1)
    args = ["distribute", "1", str(sheet), "--run-id", "food-jan", "--batch-size", "100"]
    result = kill_and_resume(city_env, [*args, "--yes", "--quiet"], seed=11)

    token = chain.at(
        node.dev.w3,
        "BenefitToken",
        Manifest.load(SEPOLIA, Path(city_env["CIVIC_DEPLOYMENTS"])).address("BenefitToken"),
    )
    assert balances(node.dev.w3, token, 1, [a for a, _ in rows]) == [n for _, n in rows]
    assert token.functions.program(1).call()[8] == sum(n for _, n in rows)
    assert "batches were already on chain" in result.stdout


def test_twenty_kills_with_the_batch_size_left_to_the_tool_pay_everyone_exactly_once(
    node, city_env, deployed, tmp_path
):
    sheet, rows = spreadsheet(tmp_path, "health", seed=2)
    args = ["distribute", "2", str(sheet), "--run-id", "health-jan", "--yes", "--quiet"]
    kill_and_resume(city_env, args, seed=22)

    token = chain.at(
        node.dev.w3,
        "BenefitToken",
        Manifest.load(SEPOLIA, Path(city_env["CIVIC_DEPLOYMENTS"])).address("BenefitToken"),
    )
    assert balances(node.dev.w3, token, 2, [a for a, _ in rows]) == [n for _, n in rows]
    assert token.functions.program(2).call()[8] == sum(n for _, n in rows)


def test_an_edited_spreadsheet_on_resume_is_refused_and_nothing_is_sent(
    node, city_env, deployed, tmp_path
):
    sheet, rows = spreadsheet(tmp_path, "edited", seed=3)
    ok(
        civic(
            city_env,
            "distribute",
            "1",
            str(sheet),
            "--run-id",
            "edit",
            "--batch-size",
            "100",
            "--yes",
            "--quiet",
        )
    )
    lines = sheet.read_text().splitlines()
    address, amount = lines[150].split(",")
    lines[150] = f"{address},{int(amount) % 5 + 1}"
    sheet.write_text("\n".join(lines) + "\n")
    nonce = node.dev.w3.eth.get_transaction_count(node.dev.accounts[0].address)

    result = civic(city_env, "distribute", "1", str(sheet), "--run-id", "edit", "--yes")

    assert result.returncode == 2
    assert "line 151 now says" in result.stderr and "Traceback" not in result.stderr
    assert node.dev.w3.eth.get_transaction_count(node.dev.accounts[0].address) == nonce


def test_a_live_distribution_without_yes_and_without_a_terminal_sends_nothing(
    node, city_env, deployed, tmp_path
):
    sheet, _ = spreadsheet(tmp_path, "unconfirmed", seed=4)
    nonce = node.dev.w3.eth.get_transaction_count(node.dev.accounts[0].address)

    result = civic(city_env, "distribute", "1", str(sheet), "--run-id", "unconfirmed")

    assert result.returncode == 2 and "--yes" in result.stderr
    assert "20 batches of up to 100" not in result.stdout  # the default size, not 100
    assert node.dev.w3.eth.get_transaction_count(node.dev.accounts[0].address) == nonce


def test_after_the_node_restarts_from_its_database_the_manifest_still_matches_the_chain(
    node, city_env, deployed
):
    dev = node.restart()
    manifest = Manifest.load(SEPOLIA, Path(city_env["CIVIC_DEPLOYMENTS"]))
    for name in ("BenefitToken", "LandRegistry"):
        assert dev.w3.eth.get_code(manifest.address(name)), name

    shown = ok(civic(city_env, "program", "show", "1", "--json"))

    assert '"name": "Food 2027"' in shown.stdout
