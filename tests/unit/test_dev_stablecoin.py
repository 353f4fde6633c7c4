"""DevStablecoin: the dev-chain stand-in for the settlement stablecoin."""

import brownie
from brownie import DevStablecoin


def test_stablecoin_has_six_decimals_like_a_real_settlement_token(stablecoin):
    assert stablecoin.decimals() == 6
    assert stablecoin.symbol() == "cdUSD"


def test_minter_can_mint_to_treasury(stablecoin, city, treasurer):
    tx = stablecoin.mint(treasurer, 5_000_000, {"from": city})
    assert stablecoin.balanceOf(treasurer) == 5_000_000
    assert tx.events["Transfer"]["to"] == treasurer


def test_account_without_minter_role_cannot_mint(stablecoin, alice, reverts):
    role = stablecoin.MINTER_ROLE()
    with reverts("AccessControlUnauthorizedAccount", alice, role):
        stablecoin.mint(alice, 1, {"from": alice})


def test_minting_zero_is_refused(stablecoin, city, treasurer, reverts):
    with reverts("DevStablecoinInvalidMint", treasurer, 0):
        stablecoin.mint(treasurer, 0, {"from": city})


def test_minting_to_zero_address_is_refused(stablecoin, city, reverts):
    with reverts("DevStablecoinInvalidMint", brownie.ZERO_ADDRESS, 1):
        stablecoin.mint(brownie.ZERO_ADDRESS, 1, {"from": city})


def test_admin_can_grant_minter_role_to_a_faucet(stablecoin, city, bob):
    stablecoin.grantRole(stablecoin.MINTER_ROLE(), bob, {"from": city})
    stablecoin.mint(bob, 7, {"from": bob})
    assert stablecoin.balanceOf(bob) == 7


def test_dev_chain_ids_are_ganache_and_anvil_only(stablecoin):
    assert stablecoin.isDevChain(1337)
    assert stablecoin.isDevChain(31337)
    assert not stablecoin.isDevChain(1)
    assert not stablecoin.isDevChain(11155111)


def test_deployment_on_the_test_chain_succeeds(city):
    token = DevStablecoin.deploy(city, {"from": city})
    assert token.hasRole(token.MINTER_ROLE(), city)
