// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title Development stand-in for a city's settlement stablecoin
/// @notice A 6-decimal ERC-20 that exists only on local development chains, so that the benefit
/// escrow can be funded and merchants paid without a real stablecoin. On any other chain the
/// constructor reverts: a live deployment must be configured with a real token address.
interface IDevStablecoin is IERC20Metadata {
    /// @notice The contract was deployed on a chain that is not a local development chain.
    /// @param chainId The chain id the deployment was attempted on.
    error DevStablecoinOnLiveChain(uint256 chainId);

    /// @notice Minting to the zero address or of zero tokens is refused, as a likely mistake.
    error DevStablecoinInvalidMint(address to, uint256 amount);

    /// @notice Role allowed to mint (the city's dev treasury account, or a faucet script).
    function MINTER_ROLE() external view returns (bytes32);

    /// @notice Creates `amount` units (6 decimals) for `to`.
    /// @dev Requirements: caller has MINTER_ROLE; `to` is not zero; `amount` is not zero.
    /// Emits: {Transfer} from the zero address.
    function mint(address to, uint256 amount) external;

    /// @notice Chain ids on which this contract may be deployed.
    /// @return True for Ganache (1337) and Anvil/Hardhat (31337).
    function isDevChain(uint256 chainId) external pure returns (bool);
}
