// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";

/// @title GasBurningWallet
/// @notice Test fixture only: a contract wallet whose ERC-1271 `isValidSignature` spins until
///         it has burnt all the gas it was given (a griefing wallet).
contract GasBurningWallet is ERC1155Holder {
    /// @notice ERC-1271, hostile: never returns.
    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        uint256 spin = uint256(digest);
        while (gasleft() > 0) {
            spin = uint256(keccak256(abi.encode(spin)));
        }
        return bytes4(bytes32(spin));
    }
}
