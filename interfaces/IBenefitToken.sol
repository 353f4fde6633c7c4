// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEmergencyStop} from "./IEmergencyStop.sol";

/// @title Earmarked benefit programs on ERC-1155
/// @notice Each benefit program ("Health 2027") is one ERC-1155 id. Its tokens are minted only up
/// to the program's budget and only as far as the treasury escrow backs them, and they can be
/// spent only at active merchants whose category and district the program allows, inside the
/// program's validity window. Citizens cannot transfer tokens to each other; merchants can only
/// redeem them (see ISettlement).
/// @dev A program is a Purpose Bound Money token in the sense of ERC-7291: `getTokenDetails`,
/// `isMerchant`, `NewPBMTypeCreated` and `MerchantList` follow that standard's read surface.
interface IBenefitToken is IEmergencyStop {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice What a government sets when it creates a program.
    /// @param name Human-readable name, e.g. "Health 2027".
    /// @param category Program category: 0 education, 1 health, 2 social welfare, 3 pension,
    ///        4 food, 5 transport, 6 housing, higher numbers as the city defines them.
    /// @param faceValue Settlement-token units paid to a merchant per token (6 decimals for USDC);
    ///        at most 2**48 - 1.
    /// @param budget Most tokens that may ever be minted for this program; at most 2**40 - 1.
    /// @param validFrom First second at which tokens can be spent.
    /// @param validUntil Last second at which tokens can be spent (the PBM expiry); before 2106.
    /// @param merchantCategories Bit set of merchant categories (0-31) where tokens can be spent.
    /// @param districts Bit set of city districts (0-63) where tokens can be spent.
    /// @param perCitizenCap Most tokens a citizen may hold at once; 0 for no cap; at most 2**40 - 1.
    /// @param uri ERC-1155 metadata JSON for wallets and explorers.
    struct ProgramConfig {
        string name;
        uint8 category;
        uint64 faceValue;
        uint64 budget;
        uint40 validFrom;
        uint40 validUntil;
        uint32 merchantCategories;
        uint64 districts;
        uint64 perCitizenCap;
        string uri;
    }

    /// @notice The rules a program manager may change after creation (see `changeProgramRules`).
    /// @dev Face value and start are fixed: tokens already in wallets keep their value.
    struct ProgramRules {
        uint64 budget;
        uint40 validUntil;
        uint32 merchantCategories;
        uint64 districts;
        uint64 perCitizenCap;
    }

    /// @notice A program's terms and counters (in tokens); its name and metadata URI are read
    /// with `getTokenDetails`.
    struct Program {
        uint8 category;
        uint64 faceValue;
        uint64 budget;
        uint40 validFrom;
        uint40 validUntil;
        uint32 merchantCategories;
        uint64 districts;
        uint64 perCitizenCap;
        uint64 minted;
        uint64 redeemed;
        uint64 reclaimed;
    }

    /// @notice ERC-7291 `PBMToken`: the details every PBM token type must expose.
    struct PBMToken {
        string name;
        uint256 faceValue;
        uint256 expiry;
        string uri;
    }

    enum MerchantStatus {
        None,
        Active,
        Suspended
    }

    /// @notice A merchant: where it is, what it sells, where its money goes.
    struct Merchant {
        address payout;
        uint8 category;
        uint8 district;
        MerchantStatus status;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice ERC-7291: a new PBM token type (program) exists. `amount` is its budget in tokens.
    event NewPBMTypeCreated(uint256 tokenId, string tokenName, uint256 amount, uint256 expiry, address creator);

    /// @notice A program was created, with every term an auditor needs to replay its rules (its
    /// name is in {NewPBMTypeCreated}, its metadata URI in ERC-1155's {URI}).
    event ProgramCreated(
        uint256 indexed programId, uint8 indexed category, uint256 faceValue, uint256 validFrom, ProgramRules rules
    );

    /// @notice A program manager changed a program's rules; both old and new are given.
    event ProgramRulesChanged(uint256 indexed programId, ProgramRules previous, ProgramRules current);

    /// @notice ERC-7291: merchants were added ("add") to or removed ("remove") from the list.
    event MerchantList(string action, address[] addresses, string metadata);

    /// @notice A merchant was onboarded or its details changed.
    event MerchantOnboarded(address indexed merchant, uint8 indexed category, uint8 indexed district, address payout);

    /// @notice A re-onboarding changed the merchant's payout address: everything paid to the
    /// merchant from now on, including signed payments authorized before, goes to `payout`.
    event MerchantPayoutChanged(address indexed merchant, address previousPayout, address payout);

    /// @notice A merchant was suspended (it can no longer be paid; it may still redeem what it
    /// holds) or reinstated.
    event MerchantStatusChanged(address indexed merchant, MerchantStatus status);

    /// @notice A distribution batch minted `total` tokens of `programId` to `recipients` citizens.
    event BatchDistributed(uint256 indexed programId, bytes32 indexed batchId, uint256 recipients, uint256 total);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    error ProgramNotFound(uint256 programId);
    error ProgramValidityInvalid(uint256 validFrom, uint256 validUntil, uint256 timestamp);
    error ProgramTermsInvalid(string term);
    error ProgramExpiryShortened(uint256 programId, uint256 validUntil, uint256 requested);
    /// @notice The program's redemption window closed (its escrow may be withdrawn): it cannot
    /// be changed or reopened; create a new program instead.
    error ProgramClosed(uint256 programId, uint256 closedAt, uint256 timestamp);
    /// @notice Benefit tokens are for citizens: a merchant cannot be a distribution recipient.
    error MerchantCannotReceiveBenefits(uint256 programId, address merchant);
    /// @notice The account holds `balance` tokens of `programId`, whose redemption window is
    /// open: as a merchant it could redeem them without a purchase. It must spend them first.
    error MerchantHoldsBenefits(address account, uint256 programId, uint256 balance);
    error BudgetBelowMinted(uint256 programId, uint256 minted, uint256 requested);

    error MerchantCategoryOutOfRange(uint8 category);
    error MerchantDistrictOutOfRange(uint8 district);
    error MerchantInvalid(address merchant, address payout);
    error MerchantNotRegistered(address merchant);

    error BatchAlreadyDistributed(bytes32 batchId);
    error BatchInvalid(bytes32 batchId, uint256 recipients, uint256 amounts);
    error DistributionAmountZero(bytes32 batchId, address recipient);
    error DistributionClosed(uint256 programId, uint256 validUntil, uint256 timestamp);
    error BudgetExceeded(uint256 programId, uint256 budget, uint256 minted, uint256 requested);
    error EscrowInsufficient(uint256 programId, uint256 required, uint256 available);
    error CitizenCapExceeded(uint256 programId, address citizen, uint256 cap, uint256 balance);

    /// @notice Tokens can only be spent at a merchant: `to` is not one.
    error CitizenTransferNotAllowed(uint256 programId, address from, address to);
    /// @notice Merchants can only redeem their tokens, not pass them on.
    error MerchantTransferNotAllowed(uint256 programId, address merchant, address to);
    error MerchantSuspended(address merchant);
    error MerchantCategoryNotAllowed(uint256 programId, address merchant, uint8 category);
    error MerchantDistrictNotAllowed(uint256 programId, address merchant, uint8 district);
    error ProgramNotStarted(uint256 programId, uint256 validFrom, uint256 timestamp);
    error ProgramExpired(uint256 programId, uint256 validUntil, uint256 timestamp);

    /*//////////////////////////////////////////////////////////////
                              ROLES
    //////////////////////////////////////////////////////////////*/

    /// @notice Creates programs and changes their rules.
    function PROGRAM_MANAGER_ROLE() external view returns (bytes32);

    /// @notice Onboards, suspends and reinstates merchants.
    function MERCHANT_MANAGER_ROLE() external view returns (bytes32);

    /// @notice Mints program tokens to citizens, in batches.
    function DISTRIBUTOR_ROLE() external view returns (bytes32);

    /// @notice Funds program escrows, withdraws unspent escrow, reclaims expired tokens.
    function TREASURER_ROLE() external view returns (bytes32);

    /// @notice Pauses and unpauses every token movement in an emergency.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice Most recipients in one distribution, or programs in one redemption.
    function MAX_BATCH() external view returns (uint256);

    /*//////////////////////////////////////////////////////////////
                              PROGRAMS
    //////////////////////////////////////////////////////////////*/

    /// @notice Creates a benefit program: a new token id with its budget and earmarking rules.
    /// @dev Requirements: caller has PROGRAM_MANAGER_ROLE; validUntil after validFrom and in the
    /// future; face value, budget, merchant categories and districts not zero.
    /// Emits: {NewPBMTypeCreated}, {ProgramCreated}.
    /// @return programId The new program's token id (sequential, from 1).
    function createProgram(ProgramConfig calldata config) external returns (uint256 programId);

    /// @notice Changes a program's rules from now on. Tokens already paid to merchants are never
    /// affected (redemption does not re-check categories or districts); tokens still in wallets
    /// follow the new rules, except that their expiry is never brought forward.
    /// @dev Requirements: caller has PROGRAM_MANAGER_ROLE; the program exists and its redemption
    /// window has not closed; the budget is not below what was minted; the expiry is not brought
    /// forward. Emits: {ProgramRulesChanged} with the previous and the new rules.
    function changeProgramRules(uint256 programId, ProgramRules calldata rules) external;

    /// @notice Points a program's ERC-1155 metadata at a new JSON document.
    /// @dev Requirements: caller has PROGRAM_MANAGER_ROLE; the program exists. Emits: {URI}.
    function setProgramURI(uint256 programId, string calldata uri) external;

    /// @notice A program's terms and counters (minted, redeemed, reclaimed, in tokens).
    function program(uint256 programId) external view returns (Program memory);

    /// @notice How many programs exist; ids run from 1 to this number.
    function programCount() external view returns (uint256);

    /// @notice ERC-7291 token details: name, face value, expiry and metadata URI.
    function getTokenDetails(uint256 tokenId) external view returns (PBMToken memory);

    /*//////////////////////////////////////////////////////////////
                              MERCHANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Registers `merchant` (or updates its details) and makes it active.
    /// @dev A new payout address applies at once to every later redemption and signed payment,
    /// also to payments citizens signed before (they name the merchant, not its payout).
    /// Gas: a first onboarding reads the account's balance in every program (one cold slot
    /// each, ~2,600 gas a program).
    /// Requirements: caller has MERCHANT_MANAGER_ROLE; category below 32, district below 64;
    /// neither address is zero; an account not yet registered holds no tokens of a program
    /// whose redemption window is open.
    /// Emits: {MerchantOnboarded}, {MerchantStatusChanged}, {MerchantList} ("add"), and
    /// {MerchantPayoutChanged} when a registered merchant's payout address changes.
    /// @param payout Where the merchant's settlements are paid (e.g. a bank-linked wallet).
    function onboardMerchant(address merchant, uint8 category, uint8 district, address payout) external;

    /// @notice Suspends a merchant: it can no longer be paid until reinstated. It may still
    /// redeem the tokens it was paid while active.
    /// @dev Requirements: caller has MERCHANT_MANAGER_ROLE; the merchant is registered.
    /// Emits: {MerchantStatusChanged}, {MerchantList} ("remove", with `reason` as metadata).
    function suspendMerchant(address merchant, string calldata reason) external;

    /// @notice Makes a suspended merchant active again.
    /// @dev Requirements: caller has MERCHANT_MANAGER_ROLE; the merchant is registered.
    /// Emits: {MerchantStatusChanged}, {MerchantList} ("add").
    function reinstateMerchant(address merchant) external;

    /// @notice A merchant's record (status None if never registered).
    function merchant(address account) external view returns (Merchant memory);

    /// @notice ERC-7291: true while `account` is an active merchant.
    function isMerchant(address account) external view returns (bool);

    /*//////////////////////////////////////////////////////////////
                             DISTRIBUTION
    //////////////////////////////////////////////////////////////*/

    /// @notice Mints `amounts[i]` tokens of `programId` to `recipients[i]`, once per `batchId`.
    /// @dev A batch id can be used once, so an interrupted spreadsheet run can be resumed by
    /// re-sending every batch: those already mined revert with {BatchAlreadyDistributed}.
    /// Requirements: caller has DISTRIBUTOR_ROLE; not paused; the program has not expired;
    /// arrays of equal, non-zero length up to MAX_BATCH; amounts not zero; minted stays within
    /// the budget and the escrow backs every minted token at face value; no recipient holds more
    /// than the per-citizen cap afterwards. Emits: {TransferSingle} per recipient,
    /// {BatchDistributed}.
    function distribute(uint256 programId, bytes32 batchId, address[] calldata recipients, uint256[] calldata amounts)
        external;

    /// @notice True once `batchId` has been distributed.
    function batchDistributed(bytes32 batchId) external view returns (bool);

    /*//////////////////////////////////////////////////////////////
                              EMERGENCIES
    //////////////////////////////////////////////////////////////*/

    /// @notice Stops every token movement: distribution, payment, redemption. Requires PAUSER_ROLE.
    function pause() external;

    /// @notice Resumes token movements. Requires PAUSER_ROLE.
    function unpause() external;
}
