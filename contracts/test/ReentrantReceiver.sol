// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";
import {IBenefitToken} from "../../interfaces/IBenefitToken.sol";

/// @title ReentrantReceiver
/// @notice Test fixture only: a token recipient that, when it receives benefit tokens, calls
///         back into `distribute` to mint itself more. The reentrancy guard must stop it.
contract ReentrantReceiver is ERC1155Holder {
    IBenefitToken private immutable _token;

    constructor(IBenefitToken token) {
        _token = token;
    }

    function onERC1155Received(address, address, uint256 id, uint256, bytes memory)
        public
        override
        returns (bytes4)
    {
        address[] memory recipients = new address[](1);
        recipients[0] = address(this);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 1;
        _token.distribute(id, keccak256("again"), recipients, amounts);
        return this.onERC1155Received.selector;
    }
}
