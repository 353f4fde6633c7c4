// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title TransferFeeProbe
/// @notice Never deployed. `civic deploy` places this runtime code at the address of an account
///         that holds the candidate stablecoin, for one `eth_call` only (a state override), and
///         asks it to send its own balance: what left the holder and what reached the recipient
///         tell a fee-on-transfer coin from a plain one without spending anyone's money.
/// @dev Settlement pays merchants face value out of escrow; a coin that takes a cut on the way
///      would pay them short, so the tooling refuses it before deploying anything against it.
contract TransferFeeProbe {
    using SafeERC20 for IERC20;

    /// @notice Send `amount` of `token` from this address to `recipient` and measure both sides.
    /// @return spent What this address's balance went down by.
    /// @return received What `recipient`'s balance went up by.
    function probe(IERC20 token, address recipient, uint256 amount)
        external
        returns (uint256 spent, uint256 received)
    {
        uint256 heldBefore = token.balanceOf(address(this));
        uint256 receivedBefore = token.balanceOf(recipient);
        token.safeTransfer(recipient, amount);
        spent = heldBefore - token.balanceOf(address(this));
        received = token.balanceOf(recipient) - receivedBefore;
    }
}
