"""A merchant redeems every benefit token it holds: `brownie run scripts/redeem.py --network …`.

The merchant's key comes from CIVIC_KEYSTORE + CIVIC_KEYSTORE_PASSWORD; the BenefitToken's
address from deployments/<chainid>.json.
"""

from brownie import web3

from civicledger import benefits, chain
from civicledger.accounts import load_signer
from civicledger.errors import CivicError
from civicledger.manifest import Manifest


def main():
    try:
        _run()
    except CivicError as exc:  # a user's mistake: one line, no traceback
        raise SystemExit(f"error: {exc}") from None


def _run():
    manifest = Manifest.load(web3.eth.chain_id)
    address = manifest.address("BenefitToken")
    if address is None:
        raise SystemExit(f"no BenefitToken in {manifest.path}: deploy first")
    merchant = load_signer(web3.eth.chain_id)
    token = chain.at(web3, "BenefitToken", address)
    receipt = benefits.redeem_all(web3, merchant, token)
    print(
        f"nothing to redeem for {merchant.address} on BenefitToken {token.address}"
        if receipt is None
        else f"redeemed: tx {receipt.tx_hash}, gas {receipt.gas_used:,}"
    )
