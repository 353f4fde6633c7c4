"""`civic deploy`: a dev chain gets the stand-in stablecoin; a live chain needs the real one's
address and a confirmation after the plan and its cost; a re-run deploys nothing."""

import pytest

from civicledger import chain
from tests.conftest import dev_node


@pytest.fixture(scope="module")
def sepolia():
    with dev_node(accounts=2, chain_id=11155111) as dev:
        yield dev


@pytest.fixture
def live(sepolia):
    return {
        "SEPOLIA_RPC_URL": sepolia.w3.provider.endpoint_uri,
        "CIVIC_PRIVATE_KEY": "0x" + bytes(sepolia.accounts[0].key).hex(),
    }


def sent(dev):
    return dev.w3.eth.get_transaction_count(dev.accounts[0].address)


def test_a_live_deploy_without_a_stablecoin_address_is_refused(civic, sepolia, live):
    before = sent(sepolia)
    result = civic("deploy", "--network", "sepolia", env=live)
    assert result.exit_code == 2
    assert (
        "chain 11155111 is not a dev chain: pass the settlement stablecoin's address"
        in result.output
    )
    assert sent(sepolia) == before


def test_a_stablecoin_address_without_code_is_refused(civic, sepolia, live):
    result = civic("deploy", "--network", "sepolia", "--stablecoin", "0x" + "12" * 20, env=live)
    assert result.exit_code == 2 and "no contract at stablecoin address" in result.output


def test_a_live_deploy_shows_the_plan_and_cost_and_sends_nothing_unconfirmed(civic, sepolia, live):
    city = sepolia.accounts[0]
    coin, _ = chain.deploy(sepolia.w3, city, "TestStablecoin")
    chain.transact(sepolia.w3, city, coin.functions.mint(city.address, 10**12))
    before = sent(sepolia)

    result = civic("deploy", "--network", "sepolia", "--stablecoin", coin.address, env=live)

    assert result.exit_code == 2
    assert "deploy BenefitToken, LandRegistry" in result.output and "gwei" in result.output
    assert "Pass --yes to confirm without a terminal" in result.output
    assert sent(sepolia) == before


def test_a_stablecoin_charging_transfer_fees_is_refused_by_one_simulated_transfer(
    civic, sepolia, live
):
    city = sepolia.accounts[0]
    coin, _ = chain.deploy(sepolia.w3, city, "FeeOnTransferStablecoin")
    chain.transact(sepolia.w3, city, coin.functions.mint(city.address, 10**12))
    before = sent(sepolia)

    result = civic("deploy", "--network", "sepolia", "--stablecoin", coin.address, env=live)

    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert f"stablecoin {coin.address} charges a fee on transfer" in result.output
    assert sent(sepolia) == before


def test_deploying_again_deploys_nothing_already_on_chain(civic):
    with dev_node(accounts=1) as dev:
        url = dev.w3.provider.endpoint_uri
        assert civic("deploy", "--network", url).exit_code == 0
        before = sent(dev)
        again = civic("deploy", "--network", url)
        assert again.exit_code == 0 and "deployed" not in again.output.split("manifest:")[0]
        assert sent(dev) == before
