"""Faults of a live network: a separate Ganache posing as Sepolia (its state in a database
folder) behind a small fault-injecting proxy on 127.0.0.1. Answers are lost (the connection
dropped after the node acted), refused (503) or late (past the client's timeout); the node is
stopped and restarted from its database in the middle of a distribution and of the submission
of signed payments. The tooling asks again what is safe to ask again (reads, and the SAME signed
transaction), never sends a second transaction for one intended payment, and when it must stop
says so in one line. Wrong chain, a stale nonce and an account without gas: one line, nothing
sent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_account import Account
from eth_utils import keccak

from civicledger import chain, devchain, distribution, payments
from civicledger.cli import main
from civicledger.manifest import Manifest
from tests.conftest import dev_node

# A Ganache with a database folder, restarted mid-run: the same run under any engine.
pytestmark = pytest.mark.ganache_by_design

ROOT = Path(__file__).resolve().parents[2]
SEPOLIA = 11155111
CITY = devchain.dev_account(0)
SHOP = devchain.dev_account(1)


# --------------------------------------------------------------------------------------------
# The node and the proxy


class Node:
    """A Ganache at Sepolia's chain id on a fixed port with a database folder."""

    def __init__(self, db: Path):
        self.db = db
        self.port = devchain.free_port()
        self.cm = None
        self.dev = None

    def start(self):
        self.cm = devchain.ganache(accounts=3, chain_id=SEPOLIA, port=self.port, db_path=self.db)
        self.dev = self.cm.__enter__()
        return self.dev

    def stop(self):
        self.cm.__exit__(None, None, None)

    def restart(self):
        self.stop()
        return self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Proxy:
    """JSON-RPC over HTTP to `upstream`, with faults for chosen methods: `drop` (the node acts,
    the answer is lost), `503`, `slow` (the node acts, the answer comes after `delay` s), `stale`
    (eth_getTransactionCount answers one less), `restart` (the node acts, then is stopped and
    restarted from its database, and the answer is lost). Loopback only; each fault has a count."""

    def __init__(self, node: Node, delay: float = 3.0):
        self.node = node
        self.delay = delay
        self.faults: list[list] = []  # [method, kind, times left]
        self.seen: list[str] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = json.loads(body)
                method = request["method"] if isinstance(request, dict) else "batch"
                kind = proxy._take(method)
                if kind == "503":
                    self.send_response(503)
                    self.end_headers()
                    return
                try:
                    answer = urllib.request.urlopen(
                        urllib.request.Request(
                            proxy.node.url, body, {"Content-Type": "application/json"}
                        ),
                        timeout=30,
                    ).read()
                except (urllib.error.URLError, OSError):
                    self.close_connection = True  # node down: the client sees a dropped line
                    return
                if kind == "drop":
                    self.close_connection = True
                    return
                if kind == "restart":
                    proxy.node.restart()
                    self.close_connection = True
                    return
                if kind == "slow":
                    time.sleep(proxy.delay)
                if kind == "stale":
                    reply = json.loads(answer)
                    reply["result"] = hex(max(0, int(reply["result"], 16) - 1))
                    answer = json.dumps(reply).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the client gave up waiting (slow): it asks again

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _take(self, method: str) -> str | None:
        with self.lock:
            self.seen.append(method)
            for fault in self.faults:
                if fault[0] == method and fault[2] > 0:
                    fault[2] -= 1
                    return fault[1]
        return None

    def inject(self, method: str, kind: str, times: int = 1) -> None:
        with self.lock:
            self.faults.append([method, kind, times])

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def spent(self) -> bool:
        return all(f[2] <= 0 for f in self.faults)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    n = Node(tmp_path_factory.mktemp("sepolia-db"))
    n.start()
    yield n
    n.stop()


@pytest.fixture(scope="module")
def proxy(node):
    p = Proxy(node)
    yield p
    p.close()


@pytest.fixture(autouse=True)
def no_faults_left_over(proxy):
    proxy.clear()
    yield
    proxy.clear()


@pytest.fixture(scope="module")
def env(proxy, tmp_path_factory):
    return {
        "CIVICLEDGER_ROOT": str(ROOT),
        "CIVIC_DEPLOYMENTS": str(tmp_path_factory.mktemp("deployments")),
        "SEPOLIA_RPC_URL": proxy.url,
        "CIVIC_PRIVATE_KEY": "0x" + bytes(CITY.key).hex(),
        "CIVIC_NETWORK": "sepolia",
        "CIVIC_RPC_TIMEOUT": "1.5",
        "CIVIC_RPC_RETRY_SECONDS": "30",
        **{k: None for k in ("CIVIC_KEYSTORE", "CIVIC_ACCOUNT", "CIVIC_STABLECOIN")},
    }


def civic(env, *args, **overrides):
    yes = ["--yes"] if args[0] == "distribute" else []  # a live chain asks otherwise
    return CliRunner().invoke(main, [*args, *yes], env={**env, **overrides})


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def one_line_error(result, *words):
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(lines) == 1, result.output
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture(scope="module")
def token(node, env):
    """The suite deployed through the proxy, program 1 funded, SHOP a grocery merchant."""
    dev = node.dev
    coin, _ = chain.deploy(dev.w3, CITY, "TestStablecoin")
    chain.transact(dev.w3, CITY, coin.functions.mint(CITY.address, 10**15))
    ok(civic(env, "deploy", "--stablecoin", coin.address, "--yes"))
    for role in ("PROGRAM_MANAGER_ROLE", "DISTRIBUTOR_ROLE", "TREASURER_ROLE"):
        ok(civic(env, "grant", role, CITY.address))
    ok(civic(env, "grant", "MERCHANT_MANAGER_ROLE", CITY.address))
    ok(
        civic(
            env,
            *("program", "create", "--name", "Food", "--category", "social-welfare"),
            *("--face-value", "1", "--budget", "100000", "--valid-until", "+90d"),
            *("--merchants", "grocery", "--districts", "1,2"),
        )
    )
    ok(civic(env, "program", "fund", "1", "100000"))
    ok(civic(env, "merchant", "onboard", SHOP.address, "--category", "grocery", "--district", "1"))
    address = Manifest.load(SEPOLIA, Path(env["CIVIC_DEPLOYMENTS"])).address("BenefitToken")
    return address


def contract(node, address):
    return chain.at(node.dev.w3, "BenefitToken", address)


def people(name: str, n: int) -> list[str]:
    return [Account.from_key(keccak(text=f"faults {name} {i}")).address for i in range(n)]


def sheet(tmp_path: Path, name: str, n: int) -> tuple[Path, list[str]]:
    addresses = people(name, n)
    path = tmp_path / f"{name}.csv"
    path.write_text("address,amount\n" + "".join(f"{a},2\n" for a in addresses))
    return path, addresses


def nonce(node, address=CITY.address) -> int:
    return node.dev.w3.eth.get_transaction_count(address)


def assert_paid_once(node, token, run_id, addresses, batches):
    t = contract(node, token)
    assert t.functions.balanceOfBatch(addresses, [1] * len(addresses)).call() == [2] * len(
        addresses
    )
    assert len(distribution.sent_batches(node.dev.w3, t, run_id, 1)) == batches


# --------------------------------------------------------------------------------------------
# Lost, refused and late answers


def test_lost_refused_and_late_answers_are_asked_again_and_each_batch_is_sent_once(
    node, proxy, env, token, tmp_path
):
    path, addresses = sheet(tmp_path, "flaky", 60)
    proxy.inject("eth_sendRawTransaction", "drop", 2)  # the node has the batch; the answer is lost
    proxy.inject("eth_sendRawTransaction", "slow", 1)  # the answer comes after the timeout
    proxy.inject("eth_getLogs", "503", 2)
    proxy.inject("eth_call", "drop", 1)
    proxy.inject("eth_getTransactionReceipt", "slow", 1)
    proxy.inject("batch", "503", 1)
    before = nonce(node)

    ok(civic(env, "distribute", "1", str(path), "--run-id", "flaky", "--batch-size", "10", "-q"))

    assert proxy.spent()
    assert nonce(node) == before + 6  # six batches, six transactions: none sent twice
    assert_paid_once(node, token, "flaky", addresses, 6)


def test_a_node_that_stays_away_ends_in_one_line_and_a_rerun_finishes_the_run(
    node, proxy, env, token, tmp_path
):
    path, addresses = sheet(tmp_path, "away", 30)
    proxy.inject("eth_sendRawTransaction", "503", 10**6)
    before = nonce(node)
    args = ("distribute", "1", str(path), "--run-id", "away", "--batch-size", "10", "-q")

    result = civic(env, *args, CIVIC_RPC_RETRY_SECONDS="2")

    one_line_error(result, "did not answer eth_sendRawTransaction for 2 s", "run the same command")
    assert nonce(node) == before
    proxy.clear()
    ok(civic(env, *args))
    assert nonce(node) == before + 3
    assert_paid_once(node, token, "away", addresses, 3)


# --------------------------------------------------------------------------------------------
# The node stopped and restarted from its database


def civic_path() -> str:
    return shutil.which("civic") or str(Path(sys.executable).with_name("civic"))


def test_a_node_restarted_from_its_database_mid_distribution_pays_everyone_once(
    node, proxy, env, token, tmp_path
):
    path, addresses = sheet(tmp_path, "restart", 200)
    proxy.inject("eth_sendRawTransaction", "restart", 1)  # after the first batch reached it
    before = nonce(node)
    args = ["distribute", "1", str(path), "--run-id", "restart", "--batch-size", "20", "-q", "-y"]
    full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}

    run = subprocess.run([civic_path(), *args], env=full, capture_output=True, text=True)

    assert run.returncode == 0, run.stdout + run.stderr
    assert proxy.spent()
    assert nonce(node) == before + 10
    assert_paid_once(node, token, "restart", addresses, 10)


def test_a_node_restarted_while_signed_payments_are_submitted_pays_each_once(
    node, proxy, env, token, tmp_path
):
    citizens = [Account.from_key(keccak(text=f"faults payer {i}")) for i in range(3)]
    path, _ = sheet(tmp_path, "payers", 0)
    path.write_text("".join(f"{c.address},10\n" for c in citizens))
    ok(civic(env, "distribute", "1", str(path), "--run-id", "payers", "-q"))
    now = node.dev.w3.eth.get_block("latest")["timestamp"]
    signed = [
        json.loads(
            payments.authorize(
                c,
                merchant=SHOP.address,
                program_id=1,
                amount=4,
                chain_id=SEPOLIA,
                verifying_contract=token,
                valid_after=now - 60,
            ).to_json()
        )
        for c in citizens
    ]
    auths = tmp_path / "auths.json"
    auths.write_text(json.dumps(signed))
    proxy.inject("eth_sendRawTransaction", "restart", 1)  # the first payment reached the node
    proxy.inject("eth_sendRawTransaction", "drop", 1)  # the second one's answer is lost
    before = nonce(node, SHOP.address)

    result = civic(env, "merchant", "submit", str(auths), CIVIC_PRIVATE_KEY=SHOP.key.hex())

    assert result.exit_code == 0, result.output
    assert "3 paid, 0 skipped, 0 refused" in result.output
    assert nonce(node, SHOP.address) == before + 3
    t = contract(node, token)
    assert t.functions.balanceOfBatch([c.address for c in citizens], [1] * 3).call() == [6] * 3
    again = civic(env, "merchant", "submit", str(auths), CIVIC_PRIVATE_KEY=SHOP.key.hex())
    assert "0 paid, 3 skipped, 0 refused" in again.output
    assert nonce(node, SHOP.address) == before + 3


# --------------------------------------------------------------------------------------------
# Wrong chain, stale nonce, no gas: one line, nothing sent


@pytest.fixture(scope="module")
def other_chains():
    with (
        dev_node(accounts=1) as dev,
        dev_node(accounts=1, chain_id=SEPOLIA) as bare,
    ):
        yield dev, bare


def test_a_sepolia_url_that_reaches_another_chain_is_refused(
    node, env, token, other_chains, tmp_path
):
    path, _ = sheet(tmp_path, "wrong-a", 3)
    before = nonce(node)
    result = civic(
        env,
        *("distribute", "1", str(path), "--run-id", "wrong-a", "-q"),
        SEPOLIA_RPC_URL=other_chains[0].w3.provider.endpoint_uri,
    )
    one_line_error(result, "is chain 1337, but network 'sepolia' is chain 11155111")
    assert nonce(node) == before


def test_a_manifest_for_another_chain_is_refused(node, env, token, other_chains, tmp_path):
    path, _ = sheet(tmp_path, "wrong-b", 3)
    dev = other_chains[0]
    before = dev.w3.eth.get_transaction_count(CITY.address)
    result = civic(
        env,
        *("distribute", "1", str(path), "--run-id", "wrong-b", "-q"),
        CIVIC_NETWORK=dev.w3.provider.endpoint_uri,
    )
    one_line_error(result, "no BenefitToken deployed on chain 1337")
    assert dev.w3.eth.get_transaction_count(CITY.address) == before


def test_a_node_of_the_same_chain_id_without_the_deployment_is_refused(
    node, env, token, other_chains, tmp_path
):
    path, _ = sheet(tmp_path, "wrong-c", 3)
    bare = other_chains[1]
    result = civic(
        env,
        *("distribute", "1", str(path), "--run-id", "wrong-c", "-q"),
        SEPOLIA_RPC_URL=bare.w3.provider.endpoint_uri,
    )
    one_line_error(result, "which holds no code")
    assert bare.w3.eth.get_transaction_count(CITY.address) == 0


def test_a_stale_nonce_is_one_line_and_nothing_is_sent(node, proxy, env, token, tmp_path):
    path, addresses = sheet(tmp_path, "stale", 10)
    proxy.inject("eth_getTransactionCount", "stale", 10**6)
    before = nonce(node)

    result = civic(env, "distribute", "1", str(path), "--run-id", "stale", "-q")

    one_line_error(result, "nonce", "run again")
    assert nonce(node) == before
    proxy.clear()
    ok(civic(env, "distribute", "1", str(path), "--run-id", "stale", "-q"))
    assert_paid_once(node, token, "stale", addresses, 1)


def test_an_account_without_gas_is_one_line_and_nothing_is_sent(node, env, token, tmp_path):
    broke = Account.from_key(keccak(text="faults: no gas"))
    ok(civic(env, "grant", "DISTRIBUTOR_ROLE", broke.address))
    path, _ = sheet(tmp_path, "broke", 5)
    key = "0x" + bytes(broke.key).hex()

    result = civic(env, "distribute", "1", str(path), "--run-id", "broke", CIVIC_PRIVATE_KEY=key)
    one_line_error(result, "too little ETH")
    assert nonce(node, broke.address) == 0

    ok(civic(env, "grant", "PROGRAM_MANAGER_ROLE", broke.address))
    result = civic(
        env,
        *("program", "create", "--name", "Broke", "--category", "health", "--face-value", "1"),
        *("--budget", "10", "--valid-until", "+9d", "--merchants", "pharmacy", "--districts", "1"),
        CIVIC_PRIVATE_KEY=key,
    )
    one_line_error(result, "too little ETH")
    assert nonce(node, broke.address) == 0
