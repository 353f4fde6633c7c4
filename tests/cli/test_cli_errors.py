"""The mistakes people make with `civic` end in one line that says what to do, exit status 2,
no traceback, nothing sent."""

import pytest

from civicledger import devchain
from tests.conftest import dev_node

CITY = devchain.dev_account(0).address


@pytest.fixture(scope="module")
def node():
    with dev_node(accounts=2) as dev:
        yield dev


def one_line_error(result, text):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and text in lines[0], result.output


def test_an_unknown_network_lists_the_known_ones(civic):
    one_line_error(
        civic("program", "list", "--network", "city_chain"),
        "unknown network 'city_chain': choose one of development, anvil, mainnet, sepolia, city-chain",
    )


def test_a_city_chain_without_its_rpc_url_says_which_variable_to_set(civic):
    result = civic("program", "list", "--network", "city-chain", env={"CIVIC_RPC_URL": ""})
    one_line_error(result, "comes from $CIVIC_RPC_URL, which is not set")


def test_a_city_chain_without_its_chain_id_is_refused_not_ignored(civic, node):
    url = node.w3.provider.endpoint_uri
    result = civic(
        "program",
        "list",
        "--network",
        "city-chain",
        env={"CIVIC_RPC_URL": url, "CIVIC_CHAIN_ID": ""},
    )
    one_line_error(result, "comes from $CIVIC_CHAIN_ID, which is not set")


def test_a_network_whose_node_is_another_chain_is_refused(civic, node):
    result = civic(
        "program",
        "list",
        "--network",
        "sepolia",
        env={"SEPOLIA_RPC_URL": node.w3.provider.endpoint_uri},
    )
    one_line_error(result, "is chain 1337, but network 'sepolia' is chain 11155111")


def test_no_node_at_the_development_url_says_to_start_one(civic):
    port = devchain.free_port()
    one_line_error(
        civic("program", "list", "--network", f"http://127.0.0.1:{port}"),
        "no Ethereum node answers",
    )


def test_a_chain_without_a_deployment_says_to_deploy_first(civic, node):
    one_line_error(
        civic("program", "list", "--network", node.w3.provider.endpoint_uri),
        "run `civic deploy --network",
    )


def test_a_malformed_address_is_one_line(civic, node):
    result = civic(
        "grant", "DISTRIBUTOR_ROLE", "0x12345", "--network", node.w3.provider.endpoint_uri
    )
    assert result.exit_code == 2 and "is not an Ethereum address" in result.output


def test_a_role_with_a_typo_is_refused_before_anything_is_granted(civic, node):
    url = node.w3.provider.endpoint_uri
    assert civic("deploy", "--network", url).exit_code == 0
    nonce = node.w3.eth.get_transaction_count(CITY)
    one_line_error(
        civic("grant", "TRESURER_ROLE", CITY, "--network", url), "defines no role 'TRESURER_ROLE'"
    )
    assert node.w3.eth.get_transaction_count(CITY) == nonce


def test_a_missing_role_is_named_not_hashed(civic, node):
    url = node.w3.provider.endpoint_uri
    assert civic("deploy", "--network", url).exit_code == 0
    result = civic(
        "program",
        "create",
        "--network",
        url,
        "--account",
        "dev1",
        "--name",
        "Health",
        "--category",
        "health",
        "--face-value",
        "1",
        "--budget",
        "10",
        "--valid-until",
        "+30d",
        "--merchants",
        "pharmacy",
        "--districts",
        "1",
    )
    one_line_error(result, "neededRole=PROGRAM_MANAGER_ROLE")


def test_a_keystore_alias_that_does_not_exist_names_the_folder_searched(civic, node, tmp_path):
    result = civic(
        "deploy",
        "--network",
        node.w3.provider.endpoint_uri,
        "--account",
        "treasurer",
        env={"CIVIC_BROWNIE_ACCOUNTS": str(tmp_path)},
    )
    one_line_error(result, f"no account 'treasurer' in {tmp_path}")


def test_a_dev_account_alias_is_refused_on_a_public_chain(node, civic):
    from civicledger.accounts import load_signer
    from civicledger.errors import ConfigError

    with pytest.raises(ConfigError, match="is a dev-chain account"):
        load_signer(11155111, account="dev3")
