// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title RefusingWallet
/// @notice Test fixture only: a contract wallet that holds benefit tokens and answers ERC-1271
///         "not valid" (0xffffffff) to every signature.
contract RefusingWallet is ERC1155Holder, IERC1271 {
    /// @notice ERC-1271: never valid.
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }
}
