"""What `civic` shows: explorer links on public chains, a progress bar with rate and ETA on a
terminal and plain lines elsewhere."""

from civicledger import distribution, networks
from civicledger.cli import city
from civicledger.sender import Mined


def test_transactions_on_public_chains_link_to_their_explorer():
    assert networks.tx_link(1, "0xabc") == "https://etherscan.io/tx/0xabc"
    assert networks.tx_link(11155111, "0xabc") == "https://sepolia.etherscan.io/tx/0xabc"
    assert networks.tx_link(1337, "0xabc") is None


def _batch(index, size):
    rows = tuple(distribution.Row(index * size + i + 2, "0x" + "11" * 20, 1) for i in range(size))
    return distribution.Batch(index, bytes(32), rows)


def test_the_progress_bar_shows_rate_and_eta_on_a_terminal(capsys):
    bar = city._Progress(total_rows=200, enabled=True)
    bar.tty = True
    bar("sent", _batch(0, 100), "0x1")
    bar("mined", _batch(0, 100), Mined(0, "0x1", 1, 5, 21_000))
    err = capsys.readouterr().err
    assert err.startswith("\r[###############...............] 100/200 citizens")
    assert "/s ETA" in err


def test_progress_is_plain_lines_when_not_a_terminal(capsys):
    bar = city._Progress(total_rows=200, enabled=True)
    bar.tty = False
    bar("on-chain", _batch(0, 100), "0xaaa")
    bar("sent", _batch(1, 100), "0x1")
    bar("mined", _batch(1, 100), Mined(1, "0xbbb", 1, 9, 21_000))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "batch 0: already on chain (tx 0xaaa), checked against the rows"
    assert lines[1].startswith(
        "batch 1: lines 102-201 paid in tx 0xbbb (block 9); 200/200 citizens"
    )
