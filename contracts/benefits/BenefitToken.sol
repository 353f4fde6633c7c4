// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BenefitPrograms} from "./BenefitPrograms.sol";
import {Settlement} from "../settlement/Settlement.sol";

/// @title BenefitToken
/// @notice A city's earmarked benefit programs as ERC-1155 tokens (one id per program), with the
///         treasury escrow that pays merchants when tokens are spent. This is the contract that
///         is deployed; its parts are BenefitPrograms (programs, merchants, distribution, the
///         earmark rules) and Settlement (escrow, redemption, signed payments).
contract BenefitToken is Settlement {
    /// @param admin The city's admin account: receives DEFAULT_ADMIN_ROLE and grants the rest.
    /// @param settlementToken_ The stablecoin the escrow holds (immutable).
    /// @param redemptionGracePeriod_ Seconds after a program's expiry during which merchants
    ///        may still redeem what citizens paid them before it.
    constructor(address admin, address settlementToken_, uint256 redemptionGracePeriod_)
        BenefitPrograms(admin)
        Settlement(settlementToken_, redemptionGracePeriod_)
    {}
}
