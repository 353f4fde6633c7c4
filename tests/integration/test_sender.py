"""The pipelined sender on a node that mines on an interval, as live chains do: many
transactions in flight, each receipt reported exactly once, in nonce order."""

import pytest

from civicledger import devchain
from civicledger.sender import PipelinedSender


@pytest.fixture(scope="module")
def interval_node():
    with devchain.anvil(accounts=2, block_time=0.5) as dev:
        yield dev


def test_every_transaction_is_reported_once_when_the_window_fills(interval_node):
    w3, account = interval_node.w3, interval_node.accounts[0]
    sender = PipelinedSender(w3, account, window=2)
    mined = []
    for tag in range(7):
        sender.send(tag, interval_node.accounts[1].address, "0x", 21_000)
        mined.extend(sender.collect())
    mined.extend(sender.drain())

    assert sorted(m.tag for m in mined) == list(range(7))
    assert all(m.status == 1 for m in mined)
    assert w3.eth.get_transaction_count(account.address) == 7


def test_a_transaction_left_pending_by_an_earlier_attempt_is_waited_for_not_resent(interval_node):
    w3, account = interval_node.w3, interval_node.accounts[1]
    first = PipelinedSender(w3, account)
    item = first.send("earlier", interval_node.accounts[0].address, "0x", 21_000)
    # The earlier attempt is gone; a new one adopts its transaction from the journal.
    second = PipelinedSender(w3, account)
    second.adopt("earlier", item.nonce, item.to, item.data, item.gas, item.hashes[-1])

    (mined,) = second.drain()

    assert mined.tag == "earlier" and mined.tx_hash == item.hashes[-1]
    assert w3.eth.get_transaction_count(account.address) == 1
