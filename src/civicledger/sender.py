"""Many transactions in flight from one account: nonces counted locally, fees cached and
refreshed, receipts polled with a short back-off, stuck transactions replaced (same nonce,
higher fee) rather than duplicated.

It speaks raw JSON-RPC (`provider.make_request`) on the hot path: web3.py's request and receipt
formatting costs more per batch than signing does (~90 ms against ~5 ms for a 500-recipient
distribution), and a receipt is reduced to what the caller needs: status, block and gas.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from civicledger import chain
from civicledger.errors import TransactionFailed

# A replacement must raise both fees by at least 10 % (geth's txpool rule); 25 % clears it on
# every client and leaves room for the base fee's own rise meanwhile.
REPLACEMENT_BUMP = 1.25
MAX_REPLACEMENTS = 6
FEE_REFRESH_EVERY = 16  # sends; dev blocks filled past half raise the base fee ~1 % a block


@dataclass
class InFlight:
    """A transaction sent and not yet mined, with what it takes to send it again."""

    tag: Any
    nonce: int
    to: str
    data: str
    gas: int
    hashes: list[str] = field(default_factory=list)
    sent_at: float = 0.0
    fees: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Mined:
    tag: Any
    tx_hash: str
    status: int
    block_number: int
    gas_used: int


class RpcError(TransactionFailed):
    """The node refused a request; `data` holds the JSON-RPC error."""

    def __init__(self, method: str, error: dict[str, Any]):
        self.error = error
        super().__init__(f"{method} refused by the node: {error.get('message', error)}")


class PipelinedSender:
    """Send signed transactions from `account` with up to `window` of them in flight."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        *,
        window: int = 8,
        stuck_after: float = 180.0,
        on_sent: Callable[[InFlight, str], None] | None = None,
    ) -> None:
        self.w3 = w3
        self.account = account
        self.window = max(1, window)
        self.stuck_after = stuck_after
        self.on_sent = on_sent
        self.chain_id = w3.eth.chain_id
        self.nonce = self._rpc("eth_getTransactionCount", [account.address, "pending"])
        self.in_flight: list[InFlight] = []
        # Receipts collected while waiting for room in the window, kept for the next collect().
        self._ready: list[Mined] = []
        self._sends = 0
        self._fees: dict[str, int] = {}
        self._refresh_fees()

    # ---------------------------------------------------------------- JSON-RPC

    def _rpc(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(method, params)
        if "error" in response:
            raise RpcError(method, response["error"])
        result = response.get("result")
        return int(result, 16) if isinstance(result, str) and method.endswith("Count") else result

    def _refresh_fees(self) -> None:
        block = self._rpc("eth_getBlockByNumber", ["latest", False])
        base = block.get("baseFeePerGas")
        if base is None:  # a chain without EIP-1559
            self._fees = {"gasPrice": int(self._rpc("eth_gasPrice", []), 16)}
            return
        try:
            tip = int(self._rpc("eth_maxPriorityFeePerGas", []), 16)
        except RpcError:
            tip = 10**9
        self._fees = {"maxPriorityFeePerGas": tip, "maxFeePerGas": 2 * int(base, 16) + tip}

    # ---------------------------------------------------------------- sending

    def send(self, tag: Any, to: str, data: str, gas: int) -> InFlight:
        """Sign and send one transaction; waits first if the window is full."""
        while len(self.in_flight) >= self.window:
            self._ready.extend(self._wait_for_one())
        item = InFlight(tag=tag, nonce=self.nonce, to=to, data=data, gas=gas)
        self.nonce += 1
        self._sends += 1
        if self._sends % FEE_REFRESH_EVERY == 0:
            self._refresh_fees()
        self._broadcast(item, dict(self._fees))
        self.in_flight.append(item)
        return item

    def adopt(self, tag: Any, nonce: int, to: str, data: str, gas: int, tx_hash: str) -> None:
        """Track a transaction an earlier attempt sent and that is still pending."""
        item = InFlight(tag=tag, nonce=nonce, to=to, data=data, gas=gas, hashes=[tx_hash])
        item.sent_at = time.monotonic()
        item.fees = dict(self._fees)
        self.in_flight.append(item)

    def _broadcast(self, item: InFlight, fees: dict[str, int]) -> None:
        tx = {
            "chainId": self.chain_id,
            "nonce": item.nonce,
            "to": item.to,
            "data": item.data,
            "gas": item.gas,
            "value": 0,
            **fees,
        }
        raw = self.account.sign_transaction(tx).raw_transaction
        tx_hash = "0x" + keccak(raw).hex()
        # The caller records the hash before it can be mined: a kill right after the send still
        # leaves a trace of it for the next attempt.
        if self.on_sent:
            self.on_sent(item, tx_hash)
        item.hashes.append(tx_hash)
        item.fees = fees
        item.sent_at = time.monotonic()
        try:
            self._rpc("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])
        except RpcError as exc:
            message = str(exc.error.get("message", "")).lower()
            if "already known" in message or "already imported" in message:
                return
            if "nonce too low" in message and len(item.hashes) > 1:
                return  # an earlier version of this transaction was mined meanwhile
            if chain.node_has(self.w3, tx_hash):
                return
            text = str(exc.error.get("message", ""))
            raise RpcError(
                "eth_sendRawTransaction",
                {**exc.error, "message": text + chain.refusal_hint(text, item.nonce)},
            ) from None

    def _replace(self, item: InFlight) -> None:
        if len(item.hashes) > MAX_REPLACEMENTS:
            raise TransactionFailed(
                f"transaction with nonce {item.nonce} is still not mined after "
                f"{MAX_REPLACEMENTS} fee raises: check the node and the account's balance"
            )
        self._refresh_fees()
        fees = {
            k: max(v, int(item.fees.get(k, 0) * REPLACEMENT_BUMP) + 1)
            for k, v in self._fees.items()
        }
        self._broadcast(item, fees)

    # ---------------------------------------------------------------- receipts

    def collect(self, *, block: bool = False) -> list[Mined]:
        """Receipts of in-flight transactions mined so far (oldest first), each returned once;
        with `block`, wait until at least one is."""
        ready, self._ready = self._ready, []
        if ready or not block:
            return ready + self._poll()
        return self._wait_for_one()

    def _wait_for_one(self) -> list[Mined]:
        delay = 0.005
        while True:
            done = self._poll()
            if done or not self.in_flight:
                return done
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def drain(self) -> list[Mined]:
        """Wait for every in-flight transaction."""
        mined: list[Mined] = []
        while self.in_flight or self._ready:
            mined.extend(self.collect(block=True))
        return mined

    def _poll(self) -> list[Mined]:
        done: list[Mined] = []
        now = time.monotonic()
        for item in list(self.in_flight):
            receipt = None
            for tx_hash in reversed(item.hashes):
                receipt = self._rpc("eth_getTransactionReceipt", [tx_hash])
                if receipt:
                    break
            if receipt is None:
                if now - item.sent_at > self.stuck_after:
                    self._replace(item)
                # Transactions of one account are mined in nonce order: later ones wait too.
                break
            self.in_flight.remove(item)
            done.append(
                Mined(
                    tag=item.tag,
                    tx_hash=receipt["transactionHash"],
                    status=int(receipt["status"], 16),
                    block_number=int(receipt["blockNumber"], 16),
                    gas_used=int(receipt["gasUsed"], 16),
                )
            )
        return done
