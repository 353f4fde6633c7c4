// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";

/// @title Reenterer
/// @notice Test fixture only: an attacker's contract (a citizen's contract wallet, a merchant, or
///         a merchant's payout address) that, whenever a token reaches it, makes one armed call
///         back into the benefit token and bubbles up whatever that call reverted with.
/// @dev The hooks it answers: ERC-1155 `onERC1155Received` / `onERC1155BatchReceived`, and
///      `onTokenTransfer`, which HookStablecoin calls on a payout (ERC-677/ERC-777 style).
contract Reenterer is ERC1155Holder {
    address private _target;
    bytes private _data;

    /// @notice Sets the call to make when a token arrives (an empty `data` disarms).
    function arm(address target, bytes calldata data) external {
        _target = target;
        _data = data;
    }

    /// @notice Asks `token` (a HookStablecoin) to call this contract on every payout it receives.
    function listenTo(address token) external {
        _call(token, abi.encodeWithSignature("registerHook()"));
    }

    /// @notice Makes a call as this contract (e.g. `redeem` when it is the merchant).
    function execute(address target, bytes calldata data) external {
        _call(target, data);
    }

    /// @notice The stablecoin's transfer hook.
    function onTokenTransfer(address, uint256) external {
        _reenter();
    }

    /// @notice ERC-1155 single-transfer hook.
    function onERC1155Received(address, address, uint256, uint256, bytes memory)
        public
        override
        returns (bytes4)
    {
        _reenter();
        return this.onERC1155Received.selector;
    }

    /// @notice ERC-1155 batch-transfer hook.
    function onERC1155BatchReceived(address, address, uint256[] memory, uint256[] memory, bytes memory)
        public
        override
        returns (bytes4)
    {
        _reenter();
        return this.onERC1155BatchReceived.selector;
    }

    function _reenter() private {
        if (_data.length != 0) _call(_target, _data);
    }

    function _call(address target, bytes memory data) private {
        (bool ok, bytes memory answer) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(answer, 0x20), mload(answer))
            }
        }
    }
}
