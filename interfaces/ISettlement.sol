// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Redemption and settlement of benefit tokens against a stablecoin escrow
/// @notice The treasury funds each program's escrow in the settlement stablecoin. When a merchant
/// redeems tokens, or a citizen's signed payment authorization is submitted, the tokens are burnt
/// (counted as redeemed) and face value × amount is paid from the escrow to the merchant's payout
/// address, in one transaction. Nothing is paid twice and nothing is paid unbacked.
/// @dev Gasless payments follow EIP-3009 (`transferWithAuthorization`'s shape), signed as EIP-712
/// typed data with domain {name: "CivicLedger Settlement", version: "1", chainId,
/// verifyingContract: this contract}. Contract wallets sign through ERC-1271.
interface ISettlement {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice A program's money, in settlement-token units.
    /// @param funded Paid into escrow by the treasury, in total.
    /// @param paidOut Paid to merchants (redeemed tokens × face value).
    /// @param withdrawn Unspent escrow returned to the treasury after expiry.
    /// @param balance What the escrow holds for the program now.
    /// @param outstandingValue Face value of tokens still spendable (minted − redeemed − reclaimed).
    struct ProgramEscrow {
        uint256 funded;
        uint256 paidOut;
        uint256 withdrawn;
        uint256 balance;
        uint256 outstandingValue;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The treasury put `amount` into `programId`'s escrow.
    event ProgramFunded(uint256 indexed programId, address indexed treasurer, uint256 amount, uint256 fundedTotal);

    /// @notice ERC-7291: tokens were burnt and their stablecoin value paid to a merchant.
    /// @param from The holder of the burnt tokens (the merchant, or the paying citizen).
    /// @param to The merchant's payout address.
    event TokenUnwrapForTarget(
        address from, address to, uint256[] tokenIds, uint256[] amounts, address sovToken, uint256 sovTokenValue
    );

    /// @notice ERC-7291: the unspent escrow of an expired program went back to the treasury.
    event PBMrevokeWithdraw(address beneficiary, uint256 PBMTokenId, address sovToken, uint256 sovTokenValue);

    /// @notice Expired tokens were taken back from `holders` wallets and counted as reclaimed.
    event TokensReclaimed(uint256 indexed programId, uint256 holders, uint256 amount);

    /// @notice EIP-3009: an authorization was used to pay.
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);

    /// @notice EIP-3009: an authorization was cancelled before use.
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    error SettlementTokenZero();
    error RedemptionGracePeriodInvalid(uint256 redemptionGracePeriod);
    error RedemptionAmountZero(uint256 programId);
    error ReclaimBatchTooLarge(uint256 holders, uint256 maxBatch);
    /// @notice The caller is not a registered merchant (active or suspended).
    error MerchantNotActive(address merchant);
    error RedemptionInvalid(uint256 programIds, uint256 amounts);
    error RedemptionClosed(uint256 programId, uint256 closesAt, uint256 timestamp);
    error RedemptionStillOpen(uint256 programId, uint256 closesAt, uint256 timestamp);
    error NothingToWithdraw(uint256 programId);
    error PaymentAmountZero(address citizen, bytes32 nonce);
    error FundingInvalid(uint256 programId, uint256 amount);
    error AuthorizationNotYetValid(uint256 validAfter, uint256 timestamp);
    error AuthorizationExpired(uint256 validBefore, uint256 timestamp);
    error AuthorizationAlreadyUsed(address authorizer, bytes32 nonce);
    error InvalidAuthorizationSignature(address authorizer);

    /*//////////////////////////////////////////////////////////////
                               FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice The stablecoin every program settles in (immutable).
    function settlementToken() external view returns (address);

    /// @notice Seconds after a program's expiry during which merchants may still redeem.
    function redemptionGracePeriod() external view returns (uint256);

    /// @notice Moves `amount` of the settlement token from the caller into `programId`'s escrow.
    /// @dev Requirements: caller has TREASURER_ROLE and approved this contract; not paused; the
    /// program exists and has not expired; amount not zero. Emits: {ProgramFunded}.
    function fundProgram(uint256 programId, uint256 amount) external;

    /// @notice Burns the caller's (a merchant's) tokens and pays their face value to its payout.
    /// @dev Category and district are not checked again: they were checked when the merchant
    /// was paid, and rules never change retroactively on paid tokens.
    /// A suspended merchant may still redeem what it holds: it was paid while active.
    /// Requirements: caller is a registered merchant (active or suspended); not paused; each
    /// program has started and its redemption window is open (until expiry + grace period, and
    /// never less than a grace period after the last unpause if a pause began while the window
    /// was open); equal, non-zero lengths up to MAX_BATCH; amounts not zero.
    /// Emits: {TransferBatch} (or {TransferSingle}) to the zero address, {TokenUnwrapForTarget}.
    function redeem(uint256[] calldata programIds, uint256[] calldata amounts) external;

    /// @notice Pays `merchant` with a citizen's signed authorization: burns the citizen's tokens
    /// and pays the merchant, in one transaction. Anyone may submit it (usually the merchant).
    /// @dev The same earmarking rules as a wallet payment apply. The signature is EIP-712 over
    /// `PaymentAuthorization(address citizen,address merchant,uint256 programId,uint256 amount,bytes32 nonce,uint256 validAfter,uint256 validBefore)`;
    /// ECDSA signatures must have a low `s`, contract wallets answer ERC-1271.
    /// Requirements: validAfter < now < validBefore; nonce unused; signature valid; not paused.
    /// Emits: {AuthorizationUsed}, {TransferSingle} to the zero address, {TokenUnwrapForTarget}.
    function payWithAuthorization(
        address citizen,
        address merchant,
        uint256 programId,
        uint256 amount,
        bytes32 nonce,
        uint256 validAfter,
        uint256 validBefore,
        bytes calldata signature
    ) external;

    /// @notice Cancels an unused authorization, signed by the citizen as
    /// `CancelAuthorization(address citizen,bytes32 nonce)`.
    /// @dev Requirements: nonce unused; signature valid. Emits: {AuthorizationCanceled}.
    function cancelAuthorization(address citizen, bytes32 nonce, bytes calldata signature) external;

    /// @notice True once `nonce` of `citizen` has been used or cancelled.
    function authorizationState(address citizen, bytes32 nonce) external view returns (bool);

    /// @notice After a program's redemption window closed, returns its unspent escrow to the
    /// caller (ERC-7291 `revokePBM`).
    /// @dev Requirements: caller has TREASURER_ROLE; not paused; the redemption window closed
    /// (see {redeem}); something is left. Emits: {PBMrevokeWithdraw}.
    function withdrawUnspent(uint256 programId) external;

    /// @notice After a program's redemption window closed, burns the expired tokens still held
    /// by `holders`, so wallets stop showing them; they count as reclaimed.
    /// @dev Requirements: caller has TREASURER_ROLE; the window closed; at most MAX_BATCH holders.
    /// Emits: {TransferSingle} per holder with tokens, {TokensReclaimed}.
    function reclaimExpired(uint256 programId, address[] calldata holders) external;

    /// @notice A program's money: funded, paid out, withdrawn, held, and owed to token holders.
    function programEscrow(uint256 programId) external view returns (ProgramEscrow memory);

    /// @notice The EIP-712 type hash of PaymentAuthorization.
    function PAYMENT_AUTHORIZATION_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 type hash of CancelAuthorization.
    function CANCEL_AUTHORIZATION_TYPEHASH() external view returns (bytes32);
}
