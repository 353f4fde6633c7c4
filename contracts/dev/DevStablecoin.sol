// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IDevStablecoin} from "../../interfaces/IDevStablecoin.sol";

/// @title DevStablecoin
/// @notice ERC-20 stand-in for the settlement stablecoin on local development chains only.
/// @dev The chain-id guard lives in the constructor so that no tooling mistake can put this
///      token on a public chain: the deployment itself reverts there.
contract DevStablecoin is ERC20, AccessControl, IDevStablecoin {
    /// @inheritdoc IDevStablecoin
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    uint256 private constant _GANACHE_CHAIN_ID = 1337;
    uint256 private constant _ANVIL_CHAIN_ID = 31337;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and MINTER_ROLE.
    constructor(address admin) ERC20("CivicLedger Dev Dollar", "cdUSD") {
        if (!isDevChain(block.chainid)) revert DevStablecoinOnLiveChain(block.chainid);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @inheritdoc IDevStablecoin
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        if (to == address(0) || amount == 0) revert DevStablecoinInvalidMint(to, amount);
        _mint(to, amount);
    }

    /// @notice Six decimals, like the stablecoins a city would settle in (USDC, EURC).
    function decimals() public pure override(ERC20, IERC20Metadata) returns (uint8) {
        return 6;
    }

    /// @inheritdoc IDevStablecoin
    function isDevChain(uint256 chainId) public pure returns (bool) {
        return chainId == _GANACHE_CHAIN_ID || chainId == _ANVIL_CHAIN_ID;
    }
}
