// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title EighteenDecimalStablecoin
/// @notice Test fixture only: an 18-decimal ERC-20 standing in for DAI, whose face values do
///         not fit the benefit token's packed 48-bit width above ~0.00028 of a token.
contract EighteenDecimalStablecoin is ERC20 {
    constructor() ERC20("Eighteen Dollar", "eUSD") {}

    /// @notice Mint `amount` to `to` (no access control: a test fixture).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
