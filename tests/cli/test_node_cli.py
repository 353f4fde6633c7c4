"""`civic node` exactly as the README's tour starts it: no options, so port 8545 and a
`.civic-node/` folder in the current directory; stopped the way a service manager stops it."""

import os
import shutil
import signal
import subprocess
import time

import pytest
from web3 import Web3

from civicledger import devchain
from tests.cli.test_readme import ROOT, tools_path

# `civic node` is Ganache: the same run under any engine.
pytestmark = pytest.mark.ganache_by_design

DEFAULT_PORT = 8545


def test_civic_node_with_its_defaults_keeps_state_and_stops_on_sigterm(tmp_path):
    if devchain._port_taken(DEFAULT_PORT):
        pytest.skip("port 8545 is in use on this machine: the default cannot be tried here")
    proc = subprocess.Popen(
        [shutil.which("civic", path=tools_path()), "node"],
        cwd=tmp_path,
        env={**os.environ, "CIVICLEDGER_ROOT": str(ROOT), "PATH": tools_path()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{DEFAULT_PORT}"))
    shown = []
    try:
        while not shown or shown[-1] != "Ctrl-C stops it.\n":  # the node is up and announced
            line = proc.stdout.readline().decode()
            assert line, "".join(shown)
            shown.append(line)
        assert w3.eth.chain_id == 1337
        assert (tmp_path / ".civic-node").is_dir()
    finally:
        proc.send_signal(signal.SIGTERM)
        output = "".join(shown) + proc.communicate(timeout=30)[0].decode()
    assert proc.returncode == 0, output
    assert "RPC URL  http://127.0.0.1:8545" in output and "stopped" in output
    # The chain process went with it: nothing answers on the port any more.
    deadline = time.monotonic() + 10
    while devchain._port_taken(DEFAULT_PORT) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not devchain._port_taken(DEFAULT_PORT)
