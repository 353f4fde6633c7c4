// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

interface ITokenTransferHook {
    function onTokenTransfer(address from, uint256 amount) external;
}

/// @title HookStablecoin
/// @notice Test fixture only: a 6-decimal ERC-20 that, like ERC-677/ERC-777 tokens, calls
///         `onTokenTransfer` on a contract recipient after each transfer, so that a merchant's
///         payout contract gets control in the middle of a payout. Reverts bubble up.
/// @dev Recipients opt in, as ERC-777's ERC-1820 registry has them do, so that the escrow
///      (which implements no hook) can still be funded.
contract HookStablecoin is ERC20 {
    mapping(address account => bool) public hooked;

    constructor() ERC20("Hook Dollar", "hUSD") {}

    /// @notice The caller asks to be called on every transfer it receives.
    function registerHook() external {
        hooked[msg.sender] = true;
    }

    /// @notice Mint `amount` to `to` (no access control: a test fixture).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Six decimals, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && hooked[to]) ITokenTransferHook(to).onTokenTransfer(from, value);
    }
}
