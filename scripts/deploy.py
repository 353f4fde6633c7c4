"""Deploy the CivicLedger suite: `brownie run scripts/deploy.py --network sepolia`.

On a live network set CIVIC_STABLECOIN to the settlement stablecoin's address, and the signing
key through CIVIC_KEYSTORE + CIVIC_KEYSTORE_PASSWORD (see README). Re-running deploys only what
deployments/<chainid>.json does not already hold.
"""

import os

from brownie import web3

from civicledger.accounts import load_signer
from civicledger.deploy import deploy_suite
from civicledger.errors import CivicError


def main():
    try:
        _run()
    except CivicError as exc:  # a user's mistake: one line, no traceback
        raise SystemExit(f"error: {exc}") from None


def _run():
    suite = deploy_suite(
        web3, load_signer(web3.eth.chain_id), stablecoin=os.environ.get("CIVIC_STABLECOIN") or None
    )
    for name, entry in suite.manifest.contracts.items():
        print(f"{name:16} {entry['address']}  tx {entry['transactionHash']}")
    print(f"manifest: {suite.manifest.path}")
