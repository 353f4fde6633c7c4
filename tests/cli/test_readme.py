"""Every code block of the README runs as written: `sh` blocks in bash, `python` blocks in
Python, against a `civic node` this test starts (the auditor's recipe after the tour, on the
chain the tour built). `console` blocks are the live-network commands
(they need a real RPC URL and key), and the two `make` commands are what CI and the demo test run.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from web3 import Web3

from civicledger import devchain

# The tour runs against `civic node`, which is Ganache: the same run under any engine.
pytestmark = pytest.mark.ganache_by_design

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(kind: str) -> list[str]:
    return [body for lang, body in BLOCK.findall((ROOT / "README.md").read_text()) if lang == kind]


def tools_path() -> str:
    venv_bin = str(Path(sys.executable).parent)
    return os.pathsep.join([venv_bin, str(ROOT / "node_modules" / ".bin"), os.environ["PATH"]])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("readme")


@pytest.fixture(scope="module")
def node(workdir):
    """The README's `civic node`, on a free port (8545 may be someone else's)."""
    (start,) = [b for b in blocks("sh") if "civic node" in b]
    command = start.strip().splitlines()[-1]
    assert command == "civic node"
    port = devchain.free_port()
    proc = subprocess.Popen(
        [shutil.which("civic", path=tools_path()), "node", "--port", str(port), "--db", "node"],
        cwd=workdir,
        env={**os.environ, "CIVICLEDGER_ROOT": str(ROOT), "PATH": tools_path()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + 60
    while not _up(w3):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode()
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def _up(w3):
    try:
        return w3.is_connected()
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="module")
def env(node, workdir):
    return {
        **os.environ,
        "CIVICLEDGER_ROOT": str(ROOT),
        "CIVIC_NETWORK": node,
        "CIVIC_DEPLOYMENTS": str(workdir / "deployments"),
        "PATH": tools_path(),
    }


def test_the_two_make_commands_install_then_demo_and_test():
    (first,) = [b for b in blocks("sh") if "make demo" in b]
    assert [line.split("#")[0].strip() for line in first.strip().splitlines()] == [
        "make demo",
        "make test",
    ]
    for target, runs in (("demo", "civic demo"), ("test", "brownie test tests/")):
        plan = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        assert runs in plan


def test_the_sixty_second_tour_runs_as_written(env, workdir):
    (tour,) = [b for b in blocks("sh") if "civic deploy" in b]
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", tour],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "run food-2027-jan: 2 citizens, 20 tokens" in out
    assert "paid" in out and "minted                     20" in out
    assert "ParcelRegistered" in out or "registered" in out.lower()


def test_the_auditor_recipe_runs_as_written_after_the_tour(env, workdir):
    (recipe,) = [b for b in blocks("sh") if "civic audit export" in b]
    # The README runs from the project folder; here the files it writes go to a tmp folder,
    # which sees the project's tools/ as the project folder does.
    if not (workdir / "tools").exists():
        (workdir / "tools").symlink_to(ROOT / "tools")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", recipe],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("exact match") >= 6  # three contracts, verified twice
    assert '"perfect"' in result.stdout and "mismatch" not in result.stdout
    assert "Reconciled: events and contract state agree." in result.stdout
    assert (workdir / "report" / "index.html").is_file()


def test_the_python_block_runs_as_written(env, workdir):
    (code,) = blocks("python")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "[0] [] 20"
