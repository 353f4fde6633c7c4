"""Throwaway local chains for `civic demo` and `civic bench` (Ganache; Anvil too): started, used,
stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from civicledger import artifacts
from civicledger.errors import ConfigError

# The public test mnemonic (also in network-config.yaml): its keys are known to everyone, so
# these accounts exist only for local chains.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
GANACHE_CHAIN_ID = 1337

Account.enable_unaudited_hdwallet_features()


def dev_account(index: int) -> LocalAccount:
    """The `index`-th account of the dev mnemonic (the same as Brownie's accounts[index])."""
    return Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


@dataclass
class DevChain:
    w3: Web3
    accounts: list[LocalAccount]
    client_version: str
    process: subprocess.Popen


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody holds right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _node_command(name: str, *preferred: Path) -> str:
    """The first of `preferred` that can run, else the project's node_modules/.bin, else PATH."""
    for candidate in (*preferred, artifacts.project_root() / "node_modules" / ".bin" / name):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise ConfigError(f"{name} is not installed: run `make install` (npm installs it)")
    return found


def _ganache_command() -> str:
    return _node_command("ganache")


@contextlib.contextmanager
def ganache(
    accounts: int = 10,
    chain_id: int = GANACHE_CHAIN_ID,
    hardfork: str = "shanghai",
    *,
    port: int | None = None,
    db_path: Path | None = None,
) -> Iterator[DevChain]:
    """Run a Ganache (shanghai unless told) for the duration of the block: a fresh one on a free
    port, or on `port` with its state kept in `db_path` across runs."""
    if port is None:
        port = free_port()
    elif _port_taken(port):
        raise ConfigError(
            f"port {port} is already in use (another node?): stop it or pick another --port"
        )
    cmd = [
        _ganache_command(),
        "--server.host=127.0.0.1",
        f"--server.port={port}",
        f"--chain.chainId={chain_id}",
        f"--chain.hardfork={hardfork}",
        "--miner.blockGasLimit=30000000",
        f"--wallet.totalAccounts={accounts}",
        f"--wallet.mnemonic={DEV_MNEMONIC}",
        "--logging.quiet",
    ]
    if db_path is not None:
        Path(db_path).mkdir(parents=True, exist_ok=True)
        cmd.append(f"--database.dbPath={Path(db_path).resolve()}")
    with _running("Ganache", cmd, port, accounts, keep_state=db_path is not None) as dev:
        yield dev


@contextlib.contextmanager
def _running(
    name: str, cmd: list[str], port: int, accounts: int, *, keep_state: bool
) -> Iterator[DevChain]:
    """Start a node's process, wait until it answers on `port`, stop it when the block ends."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 120}))
        deadline = time.monotonic() + 30
        while not _connected(w3):
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise ConfigError(f"{name} did not start on port {port}: {err.strip()[:200]}")
            time.sleep(0.05)
        yield DevChain(
            w3=w3,
            accounts=[dev_account(i) for i in range(accounts)],
            client_version=w3.client_version,
            process=proc,
        )
    finally:
        _stop(proc, keep_state=keep_state)


def _stop(proc: subprocess.Popen, *, keep_state: bool) -> None:
    """A throwaway chain is killed at once (Ganache takes seconds to wind down on SIGTERM, and
    there is nothing to save); one with a database folder is asked to stop and flush it."""
    if keep_state:
        proc.terminate()
    else:
        proc.kill()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


ANVIL_CHAIN_ID = 31337


def _anvil_command() -> str:
    # The native binary itself, not npm's Node wrapper in .bin/: killing the wrapper would leave
    # the real node running after the chain is "stopped".
    modules = artifacts.project_root() / "node_modules"
    return _node_command("anvil", *sorted(modules.glob("@foundry-rs/anvil-*/bin/anvil")))


@contextlib.contextmanager
def anvil(
    accounts: int = 10,
    chain_id: int = ANVIL_CHAIN_ID,
    hardfork: str = "shanghai",
    *,
    block_gas_limit: int = 30_000_000,
    block_time: float | None = None,
    prune_history: bool = False,
    extra: list[str] | None = None,
) -> Iterator[DevChain]:
    """Run a fresh Anvil (Foundry) on a free port for the duration of the block, with the dev
    mnemonic's accounts. It mines each transaction as it arrives, or every `block_time` seconds
    (fractions allowed) when given; `prune_history` keeps only the latest state in memory."""
    port = free_port()
    cmd = [
        _anvil_command(),
        "--host=127.0.0.1",
        f"--port={port}",
        f"--chain-id={chain_id}",
        f"--hardfork={hardfork}",
        f"--gas-limit={block_gas_limit}",
        f"--accounts={accounts}",
        f"--mnemonic={DEV_MNEMONIC}",
        "--silent",
    ]
    if block_time is not None:
        cmd.append(f"--block-time={block_time:g}")
    if prune_history:
        cmd.append("--prune-history")
    cmd.extend(extra or [])
    with _running("Anvil", cmd, port, accounts, keep_state=False) as dev:
        yield dev


def _connected(w3: Web3) -> bool:
    try:
        return w3.is_connected()
    except Exception:  # noqa: BLE001 - any failure means "not yet"
        return False
