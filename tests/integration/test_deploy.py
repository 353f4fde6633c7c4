"""civicledger.deploy: manifests, idempotence and the dev-only guard, through web3.py."""

import json

import pytest

from civicledger import chain
from civicledger.deploy import deploy_dev_stablecoin, deploy_suite
from civicledger.errors import ConfigError, ContractError, LiveChainRefused
from tests.conftest import dev_node


@pytest.fixture
def deployments(tmp_path):
    return tmp_path / "deployments"


def test_deploy_writes_a_manifest_an_auditor_can_check(w3, city, signer, deployments):
    suite = deploy_suite(w3, signer(city), deployments=deployments)
    data = json.loads((deployments / f"{w3.eth.chain_id}.json").read_text())
    entry = data["contracts"]["DevStablecoin"]
    assert entry["address"] == suite.stablecoin.address
    receipt = w3.eth.get_transaction_receipt(entry["transactionHash"])
    assert receipt["contractAddress"] == entry["address"]
    assert receipt["blockNumber"] == entry["block"]
    assert entry["constructorArguments"] == [city.address]
    assert entry["compiler"]["evm_version"] == "shanghai"
    assert entry["sourcePath"] == "contracts/dev/DevStablecoin.sol"
    benefit = data["contracts"]["BenefitToken"]
    assert benefit["address"] == suite.benefits.address
    assert benefit["constructorArguments"] == [city.address, suite.stablecoin.address, 30 * 86400]
    assert data["contracts"]["LandRegistry"]["address"] == suite.registry.address
    assert data["settings"]["stablecoin"] == suite.stablecoin.address


def test_second_deploy_reuses_what_is_on_chain(w3, city, signer, deployments):
    first = deploy_suite(w3, signer(city), deployments=deployments)
    block = w3.eth.block_number
    second = deploy_suite(w3, signer(city), deployments=deployments)
    assert second.stablecoin.address == first.stablecoin.address
    assert w3.eth.block_number == block


def test_package_errors_carry_the_custom_error_name(w3, city, alice, signer, deployments):
    token = deploy_suite(w3, signer(city), deployments=deployments).stablecoin
    with pytest.raises(ContractError) as caught:
        chain.transact(w3, signer(alice), token.functions.mint(alice.address, 1))
    assert caught.value.name == "AccessControlUnauthorizedAccount"
    assert caught.value.kwargs["account"] == alice.address


def test_live_chain_needs_a_real_stablecoin_address(deployments):
    with dev_node(accounts=1, chain_id=11155111) as live:
        with pytest.raises(ConfigError, match="not a dev chain"):
            deploy_suite(live.w3, live.accounts[0], deployments=deployments)
        with pytest.raises(LiveChainRefused, match="chain 11155111"):
            deploy_dev_stablecoin(live.w3, live.accounts[0])
        # Even past the Python guard, the contract refuses to exist on a live chain id.
        with pytest.raises(ContractError) as caught:
            chain.deploy(live.w3, live.accounts[0], "DevStablecoin", live.accounts[0].address)
        assert caught.value.name == "DevStablecoinOnLiveChain"
        assert caught.value.kwargs["chainId"] == 11155111
    assert not deployments.exists()


def test_transactions_go_out_with_a_legacy_gas_price_on_a_chain_without_eip1559():
    with dev_node(accounts=2, hardfork="berlin") as old_chain:
        sender, receiver = old_chain.accounts
        receipt = chain.send_ether(old_chain.w3, sender, receiver.address, 10**15)
        tx = old_chain.w3.eth.get_transaction(receipt.tx_hash)
        assert tx["type"] == 0 and tx["gasPrice"] > 0
        assert old_chain.w3.eth.get_balance(receiver.address) > 0
