// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title PlainERC721
/// @notice Exists only for benchmark comparison: the gas of a bare OpenZeppelin 5.4.0 ERC-721
/// mint and transferFrom, beside the land registry's registration and transfer workflow.
/// Never deployed outside benchmarks; anyone can mint.
contract PlainERC721 is ERC721 {
    constructor() ERC721("Plain ERC-721 (benchmark)", "PLAIN") {}

    /// @notice Mints `tokenId` to `to` without the receiver callback, like the registry does.
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}
