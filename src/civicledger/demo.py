"""The seed's story, end to end, on a throwaway local chain (`civic demo`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from civicledger import chain, devchain
from civicledger.deploy import deploy_suite

Echo = Callable[[str], None]


def run(echo: Echo = print) -> None:
    """Start Ganache, deploy the suite, tell the story, stop the chain."""
    with devchain.ganache(accounts=10) as dev, tempfile.TemporaryDirectory() as tmp:
        w3 = dev.w3
        city, treasurer = dev.accounts[0], dev.accounts[1]
        echo(f"Local chain: {dev.client_version}, chain id {w3.eth.chain_id}")

        suite = deploy_suite(w3, city, deployments=Path(tmp))
        for name, entry in suite.manifest.contracts.items():
            echo(f"Deployed {name} at {entry['address']} (block {entry['block']})")

        usdc = suite.stablecoin
        decimals = usdc.functions.decimals().call()
        amount = 1_000_000 * 10**decimals
        receipt = chain.transact(w3, city, usdc.functions.mint(treasurer.address, amount))
        echo(
            f"Minted {amount / 10**decimals:,.2f} {usdc.functions.symbol().call()} to the city "
            f"treasury {treasurer.address} (tx {receipt.tx_hash[:12]}…, gas {receipt.gas_used:,})"
        )
        echo("")
        echo("Summary")
        echo(f"  stablecoin supply: {usdc.functions.totalSupply().call() / 10**decimals:,.2f}")
        echo("  land registry: not built yet (issue 6)")
        echo("  benefit programs and settlement: not built yet (issue 5)")
