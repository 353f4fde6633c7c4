// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestStablecoin
/// @notice Test fixture only: a 6-decimal ERC-20 that anyone may mint, standing in for a real
///         stablecoin on a local chain that poses as a public testnet (DevStablecoin refuses
///         to exist there, by design).
contract TestStablecoin is ERC20 {
    constructor() ERC20("Test Dollar", "tUSD") {}

    /// @notice Mint `amount` to `to` (no access control: a test fixture).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Six decimals, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
