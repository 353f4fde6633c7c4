"""Event logs read the way public nodes allow: in block ranges of a bounded size."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_utils import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.datastructures import AttributeDict

from civicledger.errors import CivicError

DEFAULT_LOG_CHUNK = 10_000  # blocks per eth_getLogs: the range most providers allow
ERC20_TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


def logs_in_chunks(
    w3: Web3,
    query: dict[str, Any],
    from_block: int,
    chunk: int = DEFAULT_LOG_CHUNK,
    to_block: int | None = None,
) -> list[dict[str, Any]]:
    """eth_getLogs from `from_block` to the head, `chunk` blocks a request (providers cap it);
    the raw JSON-RPC logs (hex strings)."""
    head = w3.eth.block_number if to_block is None else to_block
    found: list[dict[str, Any]] = []
    start = max(0, from_block)
    while start <= head:
        end = min(head, start + chunk - 1)
        response = w3.provider.make_request(
            "eth_getLogs", [{**query, "fromBlock": hex(start), "toBlock": hex(end)}]
        )
        if "error" in response:
            raise CivicError(
                f"the node refused eth_getLogs for blocks {start}-{end}: "
                f"{response['error'].get('message')}; try a smaller --log-chunk"
            )
        found.extend(response["result"])
        start = end + 1
    return found


def as_log(raw: Mapping[str, Any]) -> AttributeDict:
    """A raw JSON-RPC log (hex strings, as read or cached) in the shape web3's decoders take."""
    number = lambda v: int(v, 16) if isinstance(v, str) else int(v)  # noqa: E731
    return AttributeDict(
        {
            "address": Web3.to_checksum_address(raw["address"]),
            "topics": [HexBytes(t) for t in raw["topics"]],
            "data": HexBytes(raw["data"]),
            "blockNumber": number(raw["blockNumber"]),
            "logIndex": number(raw["logIndex"]),
            "transactionIndex": number(raw.get("transactionIndex", 0)),
            "transactionHash": HexBytes(raw["transactionHash"]),
            "blockHash": HexBytes(raw.get("blockHash") or bytes(32)),
        }
    )


def read_logs(
    w3: Web3,
    query: dict[str, Any],
    from_block: int,
    chunk: int = DEFAULT_LOG_CHUNK,
    to_block: int | None = None,
) -> list[AttributeDict]:
    """`logs_in_chunks`, each log in the shape web3's decoders take."""
    return [as_log(raw) for raw in logs_in_chunks(w3, query, from_block, chunk, to_block)]
