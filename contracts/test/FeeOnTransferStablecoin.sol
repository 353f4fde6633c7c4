// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferStablecoin
/// @notice Test fixture only: a 6-decimal ERC-20 that burns 1 % of every transfer, so a
///         recipient receives less than was sent (as PAXG or a fee-switched USDT would).
contract FeeOnTransferStablecoin is ERC20 {
    uint256 public constant FEE_BPS = 100;

    constructor() ERC20("Fee Dollar", "fUSD") {}

    /// @notice Mint `amount` to `to` (no access control: a test fixture).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Six decimals, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = (value * FEE_BPS) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
