"""Actors, contracts and helpers shared by every test, named for the people of the story."""

from __future__ import annotations

import math
import time

import pytest
from brownie import accounts, chain, web3

from civicledger import devchain

# Actors by role: Brownie's accounts[i] on the dev mnemonic of network-config.yaml.
ROLES = ["city", "treasurer", "registrar", "court", "lender", "alice", "bob", "pharmacy", "school"]

# Stands for "any value" in `reverts(...)`: block timestamps and other facts a test cannot know.
ANY = object()


# The longest test files (`--durations`, on 2 cores: from 2.5 minutes down to half a minute).
# With `make test`'s parallel workers they start first, so that no worker is left alone with one
# of them at the end.
LONGEST_FIRST = (
    "tests/cli/test_distribute_live.py",
    "tests/cli/test_readme.py",
    "tests/property/test_benefits_state.py",
    "tests/property/test_land_state.py",
    "tests/integration/test_audit_sources.py",
    "tests/cli/test_civic.py",
)


def pytest_collection_modifyitems(config, items):
    """The longest files first (see LONGEST_FIRST). Under EVM=anvil, a test whose nodes are
    Ganache by design would only repeat the Ganache run: it is skipped, by name, in the
    summary."""
    from brownie._config import CONFIG

    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
    if CONFIG.argv.get("network") != "anvil":
        return
    skip = pytest.mark.skip(reason="its node is Ganache by design: run by `make test` (Ganache)")
    for item in items:
        if item.get_closest_marker("ganache_by_design"):
            item.add_marker(skip)


def pytest_configure(config):
    """Run the suite on a chain of its own (Ganache, or Anvil), on a free port: Brownie would
    otherwise attach to any node already listening on the configured port (another project's,
    another run's). Under `make test`'s parallel workers, each worker picks its own."""
    from brownie._config import CONFIG

    for network_id in ("development", "anvil"):
        network = CONFIG.networks.get(network_id)
        if network is not None:
            network["cmd_settings"]["port"] = devchain.free_port()


@pytest.fixture(scope="session", autouse=True)
def anvil_clock():
    """After a revert Brownie's clock (`chain.time()`) comes back with the snapshot's offset,
    and Ganache's with it; Anvil instead restarts its clock from the latest block's time, losing
    the time since (a test's `chain.sleep` not yet mined, too). On Anvil, every revert (each
    test's, each module's reset, each call that coverage runs as a transaction) sets Anvil's
    clock to Brownie's, so both engines keep time the same way."""
    if not on_anvil():
        yield
        return
    revert = chain._revert

    def revert_keeping_the_clock(snapshot_id):
        offset = chain._time_offset
        paired = snapshot_id in chain._snapshot_time_offsets
        new_id = revert(snapshot_id)
        if not paired:
            # A snapshot Brownie took bare, around one traced call in coverage mode: the call is
            # undone, the test's clock (its sleeps included) goes on as it was.
            chain._time_offset = offset
        _anvil_clock_from_brownie()
        return new_id

    chain._revert = revert_keeping_the_clock
    _anvil_clock_from_brownie()
    yield
    chain._revert = revert


@pytest.fixture(scope="session", autouse=True)
def anvil_receipts():
    """Brownie declares a transaction dropped when its sender's nonce has moved past it but its
    receipt is not there yet. Under a loaded CI machine Anvil has been seen (once, in a fresh-
    clone run) to count the nonce before it served the receipt, failing a test that had done
    nothing wrong. On Anvil, Brownie's wait first gives the receipt up to 10 s to appear."""
    if not on_anvil():
        yield
        return
    from brownie.network.transaction import TransactionReceipt
    from web3.exceptions import TransactionNotFound

    await_confirmation = TransactionReceipt._await_confirmation

    def await_the_receipt_first(self, block_number=None, required_confs=1):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if web3.eth.get_transaction_receipt(self.txid)["blockHash"] is not None:
                    break
            except TransactionNotFound:
                pass
            time.sleep(0.02)
        return await_confirmation(self, block_number, required_confs)

    TransactionReceipt._await_confirmation = await_the_receipt_first
    yield
    TransactionReceipt._await_confirmation = await_confirmation


@pytest.fixture(scope="module", autouse=True)
def module_chain(anvil_clock, anvil_receipts, module_isolation):
    """Each test module starts from a fresh chain."""


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    """Every test starts from the chain state its module fixtures left."""


def _anvil_clock_from_brownie() -> None:
    """Anvil's next block at Brownie's time, rounded up: a test that expects a program closed
    one second after its close must not find Anvil's clock a fraction behind Brownie's."""
    now = math.ceil(time.time() + chain._time_offset)
    latest = web3.eth.get_block("latest")["timestamp"]
    web3.provider.make_request("evm_setTime", [max(now, latest)])


def on_anvil() -> bool:
    """Whether the suite runs on Anvil (`make test EVM=anvil`) rather than Ganache."""
    return web3.client_version.startswith("anvil/")


def dev_node(accounts: int = 10, chain_id: int = 1337, hardfork: str = "shanghai"):
    """A separate node process for the tooling to talk to, on the suite's engine: Ganache, or
    Anvil under `make test EVM=anvil`; chain 1337 (a dev chain) on both unless told.
    (Runs that restart a node from its database keep to Ganache: Anvil writes its state only
    when it exits cleanly, so a killed Anvil has none.)"""
    start = devchain.anvil if on_anvil() else devchain.ganache
    return start(accounts=accounts, chain_id=chain_id, hardfork=hardfork)


def set_storage_at(address: str, slot: bytes, value: int) -> None:
    """Write one storage slot on the test chain (each engine names the method its own way)."""
    method = "anvil_setStorageAt" if on_anvil() else "evm_setAccountStorageAt"
    word = "0x" + value.to_bytes(32, "big").hex()
    answer = web3.provider.make_request(method, [address, "0x" + slot.hex(), word])
    assert answer.get("result") is True, answer


def next_block_at(timestamp: int) -> None:
    """The next transaction is mined at exactly `timestamp`."""
    if on_anvil():
        web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
        chain._time_offset = timestamp - int(time.time())
    else:  # Ganache mines each block at least a second after the one before
        chain.mine(timestamp=timestamp - 1)


def _actor(index: int):
    return accounts[index]


@pytest.fixture(scope="session")
def city():
    return _actor(0)


@pytest.fixture(scope="session")
def treasurer():
    return _actor(1)


@pytest.fixture(scope="session")
def registrar():
    return _actor(2)


@pytest.fixture(scope="session")
def court():
    return _actor(3)


@pytest.fixture(scope="session")
def lender():
    return _actor(4)


@pytest.fixture(scope="session")
def alice():
    return _actor(5)


@pytest.fixture(scope="session")
def bob():
    return _actor(6)


@pytest.fixture(scope="session")
def pharmacy():
    return _actor(7)


@pytest.fixture(scope="session")
def school():
    return _actor(8)


@pytest.fixture(scope="session")
def grocer():
    return _actor(9)


@pytest.fixture(scope="session")
def carol():
    return _actor(10)


@pytest.fixture(scope="session")
def pharmacy_bank():
    """The pharmacy's payout account, apart from the till that receives tokens."""
    return _actor(11)


@pytest.fixture(scope="session")
def signer():
    """The eth-account signer of an actor, for the package's web3.py code path."""

    def _signer(actor):
        index = list(accounts).index(actor)
        local = devchain.dev_account(index)
        assert local.address == actor.address
        return local

    return _signer


@pytest.fixture(scope="session")
def w3():
    return web3


@pytest.fixture(scope="module")
def stablecoin(DevStablecoin, city):
    return DevStablecoin.deploy(city, {"from": city})


def _revert_arg(value) -> str:
    """An argument as Brownie prints it inside a decoded custom error."""
    if hasattr(value, "address"):
        value = value.address
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    if isinstance(value, (bytes, bytearray)):
        return str(bytes(value))
    if isinstance(value, bool):
        return str(value)
    return str(value)


def reverts_with(error: str, *args):
    """`brownie.reverts` for a custom error, matched by name and every argument (ANY matches any
    single argument)."""
    import re

    import brownie

    if not args:
        return brownie.reverts(f"{error}: ")
    if any(a is ANY for a in args):
        parts = ["[^,]+" if a is ANY else re.escape(_revert_arg(a)) for a in args]
        return brownie.reverts(revert_pattern=f"{re.escape(error)}: " + ", ".join(parts))
    return brownie.reverts(f"{error}: " + ", ".join(_revert_arg(a) for a in args))


@pytest.fixture(scope="session")
def reverts():
    return reverts_with


def plain(value):
    """Brownie's return values and event fields as plain Python ints, strings and tuples, so that
    they compare with expected values (Brownie's own types refuse some comparisons)."""
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    return str(value) if not isinstance(value, (bytes, bytearray)) else bytes(value)
