// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BenefitPrograms} from "../benefits/BenefitPrograms.sol";
import {ISettlement} from "../../interfaces/ISettlement.sol";

/// @title Settlement
/// @notice The treasury escrow behind the benefit tokens, and the two ways a merchant gets paid:
///         batch redemption of tokens it received, and a citizen's signed payment authorization.
/// @dev Escrow and tokens live in one contract, as in ERC-7291 (the PBM wrapper holds the
///      stablecoin it wraps): a payment is a burn and a payout in one frame, with no call to a
///      second contract (gas: bench `gas.redeem`, `gas.pay_with_authorization`).
abstract contract Settlement is BenefitPrograms, EIP712, ISettlement {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /*//////////////////////////////////////////////////////////////
                          TYPES AND CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISettlement
    bytes32 public constant PAYMENT_AUTHORIZATION_TYPEHASH = keccak256(
        "PaymentAuthorization(address citizen,address merchant,uint256 programId,uint256 amount,bytes32 nonce,uint256 validAfter,uint256 validBefore)"
    );

    /// @inheritdoc ISettlement
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH =
        keccak256("CancelAuthorization(address citizen,bytes32 nonce)");

    uint256 private constant _MAX_GRACE_PERIOD = 3650 days;

    /// @dev Money in and out of one program's escrow, in one slot.
    struct Escrow {
        uint128 funded;
        uint128 withdrawn;
    }

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    IERC20 private immutable _settlementToken; // immutable: no storage read per payout
    uint256 private immutable _redemptionGracePeriod;

    mapping(uint256 programId => Escrow) private _escrows;
    mapping(address citizen => mapping(bytes32 nonce => bool used)) private _authorizations;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param settlementToken_ The stablecoin programs are funded and merchants paid in.
    /// @param redemptionGracePeriod_ Seconds after expiry during which merchants may still redeem.
    constructor(address settlementToken_, uint256 redemptionGracePeriod_) EIP712("CivicLedger Settlement", "1") {
        if (settlementToken_ == address(0)) revert SettlementTokenZero();
        // Bounded so that expiry + grace can never overflow into a window that never closes.
        if (redemptionGracePeriod_ > _MAX_GRACE_PERIOD) revert RedemptionGracePeriodInvalid(redemptionGracePeriod_);
        _settlementToken = IERC20(settlementToken_);
        _redemptionGracePeriod = redemptionGracePeriod_;
    }

    /*//////////////////////////////////////////////////////////////
                            ESCROW (MUTATING)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISettlement
    function fundProgram(uint256 programId, uint256 amount) external onlyRole(TREASURER_ROLE) nonReentrant {
        _requireNotPaused();
        Terms memory terms = _existingTerms(programId);
        if (block.timestamp > terms.validUntil) revert ProgramExpired(programId, terms.validUntil, block.timestamp);
        if (amount == 0) revert FundingInvalid(programId, amount);
        // Credit what arrived, not what was asked: a token that takes a fee cannot leave the
        // escrow short of what the accounts say it holds.
        uint256 before = _settlementToken.balanceOf(address(this));
        _settlementToken.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _settlementToken.balanceOf(address(this)) - before;
        Escrow storage escrow = _escrows[programId];
        uint256 fundedTotal = escrow.funded + received;
        escrow.funded = fundedTotal.toUint128();
        emit ProgramFunded(programId, msg.sender, received, fundedTotal);
    }

    /// @inheritdoc ISettlement
    function withdrawUnspent(uint256 programId) external onlyRole(TREASURER_ROLE) nonReentrant {
        _requireNotPaused(); // a stolen treasurer key must not empty the escrow during a pause
        Terms memory terms = _closedTerms(programId);
        Escrow storage escrow = _escrows[programId];
        uint256 amount = escrow.funded - escrow.withdrawn - uint256(terms.redeemed) * terms.faceValue;
        if (amount == 0) revert NothingToWithdraw(programId);
        escrow.withdrawn += amount.toUint128();
        _settlementToken.safeTransfer(msg.sender, amount);
        emit PBMrevokeWithdraw(msg.sender, programId, address(_settlementToken), amount);
    }

    /// @inheritdoc ISettlement
    function reclaimExpired(uint256 programId, address[] calldata holders)
        external
        onlyRole(TREASURER_ROLE)
        nonReentrant
    {
        _closedTerms(programId);
        if (holders.length > MAX_BATCH) revert ReclaimBatchTooLarge(holders.length, MAX_BATCH);
        // slither-disable-next-line uninitialized-local (Solidity zeroes locals: the sum starts at 0 on purpose)
        uint256 total;
        for (uint256 i; i < holders.length; ++i) {
            uint256 held = balanceOf(holders[i], programId);
            if (held != 0) {
                total += held;
                _burn(holders[i], programId, held);
            }
        }
        _supply[programId].reclaimed += total.toUint40();
        emit TokensReclaimed(programId, holders.length, total);
    }

    /*//////////////////////////////////////////////////////////////
                            PAYING MERCHANTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISettlement
    function redeem(uint256[] calldata programIds, uint256[] calldata amounts) external nonReentrant {
        uint256 count = programIds.length;
        if (count == 0 || count != amounts.length || count > MAX_BATCH) {
            revert RedemptionInvalid(count, amounts.length);
        }
        Merchant memory payee = _merchants[msg.sender];
        // Suspended merchants too: what they were paid while active is theirs to redeem.
        if (payee.status == MerchantStatus.None) revert MerchantNotActive(msg.sender);

        // slither-disable-next-line uninitialized-local (Solidity zeroes locals: the sum starts at 0 on purpose)
        uint256 value;
        for (uint256 i; i < count; ++i) {
            uint256 programId = programIds[i];
            uint256 amount = amounts[i];
            if (amount == 0) revert RedemptionAmountZero(programId);
            Terms storage terms = _terms[programId];
            if (terms.validUntil == 0) revert ProgramNotFound(programId);
            if (block.timestamp < terms.validFrom) revert ProgramNotStarted(programId, terms.validFrom, block.timestamp);
            uint256 closesAt = _redemptionClosesAt(terms.validUntil);
            if (block.timestamp > closesAt) revert RedemptionClosed(programId, closesAt, block.timestamp);
            terms.redeemed += amount.toUint40();
            value += amount * terms.faceValue;
        }
        _burnBatch(msg.sender, programIds, amounts);
        _settlementToken.safeTransfer(payee.payout, value);
        emit TokenUnwrapForTarget(msg.sender, payee.payout, programIds, amounts, address(_settlementToken), value);
    }

    /// @inheritdoc ISettlement
    function payWithAuthorization(
        address citizen,
        address merchant_,
        uint256 programId,
        uint256 amount,
        bytes32 nonce,
        uint256 validAfter,
        uint256 validBefore,
        bytes calldata signature
    ) external nonReentrant {
        if (block.timestamp <= validAfter) revert AuthorizationNotYetValid(validAfter, block.timestamp);
        if (block.timestamp >= validBefore) revert AuthorizationExpired(validBefore, block.timestamp);
        if (amount == 0) revert PaymentAmountZero(citizen, nonce);
        _useAuthorization(
            citizen,
            nonce,
            keccak256(
                abi.encode(
                    PAYMENT_AUTHORIZATION_TYPEHASH, citizen, merchant_, programId, amount, nonce, validAfter, validBefore
                )
            ),
            signature
        );
        (Merchant memory payee, Terms memory terms) = _checkPayment(citizen, merchant_, programId);
        _terms[programId].redeemed += amount.toUint40();
        _burn(citizen, programId, amount);
        uint256 value = amount * terms.faceValue;
        _settlementToken.safeTransfer(payee.payout, value);
        emit AuthorizationUsed(citizen, nonce);
        emit TokenUnwrapForTarget(
            citizen, payee.payout, _asArray(programId), _asArray(amount), address(_settlementToken), value
        );
    }

    /// @inheritdoc ISettlement
    function cancelAuthorization(address citizen, bytes32 nonce, bytes calldata signature) external {
        _useAuthorization(citizen, nonce, keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, citizen, nonce)), signature);
        emit AuthorizationCanceled(citizen, nonce);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISettlement
    function settlementToken() external view returns (address) {
        return address(_settlementToken);
    }

    /// @inheritdoc ISettlement
    function redemptionGracePeriod() external view returns (uint256) {
        return _redemptionGracePeriod;
    }

    /// @inheritdoc ISettlement
    function authorizationState(address citizen, bytes32 nonce) external view returns (bool) {
        return _authorizations[citizen][nonce];
    }

    /// @inheritdoc ISettlement
    function programEscrow(uint256 programId) external view returns (ProgramEscrow memory figures) {
        Terms memory terms = _existingTerms(programId);
        Supply memory supply = _supply[programId];
        Escrow memory escrow = _escrows[programId];
        figures.funded = escrow.funded;
        figures.withdrawn = escrow.withdrawn;
        figures.paidOut = uint256(terms.redeemed) * terms.faceValue;
        figures.balance = figures.funded - figures.paidOut - figures.withdrawn;
        if (block.timestamp <= _redemptionClosesAt(terms.validUntil)) {
            figures.outstandingValue = uint256(supply.minted - terms.redeemed - supply.reclaimed) * terms.faceValue;
        }
    }

    /// @notice The EIP-712 domain separator (name "CivicLedger Settlement", version "1").
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Expiry + grace period, extended past a pause that covered it (EmergencyStop): the
    ///      one definition redemption, withdrawal, reclaim and rule changes share.
    function _redemptionClosesAt(uint256 validUntil) internal view override returns (uint256) {
        return _pauseExtendedClose(validUntil + _redemptionGracePeriod);
    }

    function _pauseGracePeriod() internal view override returns (uint256) {
        return _redemptionGracePeriod;
    }

    function _escrowCapacity(uint256 programId) internal view override returns (uint256) {
        Escrow memory escrow = _escrows[programId];
        return escrow.funded - escrow.withdrawn;
    }

    /// @dev Marks `nonce` used once the citizen's signature over `structHash` checks out, either
    ///      as a low-s ECDSA signature of an EOA or through ERC-1271 for a contract wallet.
    function _useAuthorization(address citizen, bytes32 nonce, bytes32 structHash, bytes calldata signature)
        private
    {
        if (_authorizations[citizen][nonce]) revert AuthorizationAlreadyUsed(citizen, nonce);
        if (!_isValidSignature(citizen, _hashTypedDataV4(structHash), signature)) {
            revert InvalidAuthorizationSignature(citizen);
        }
        _authorizations[citizen][nonce] = true;
    }

    /// @dev OpenZeppelin's SignatureChecker does the same, but in 5.4 it imports Bytes.sol,
    ///      whose `mcopy` does not exist on shanghai; so its two branches are spelled out here.
    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature)
        private
        view
        returns (bool)
    {
        // ECDSA first: an EOA's signature checks out without touching the signer's account
        // (EXTCODESIZE on a cold account is 2,600 gas). tryRecover refuses high-s signatures.
        // slither-disable-next-line unused-return (dropped value is only the error's detail; the code is checked)
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == signer) return true;
        if (signer.code.length == 0) return false;
        (bool ok, bytes memory answer) =
            signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (digest, signature)));
        // Compare the whole returned word, as OpenZeppelin does: dirty low bytes mean "invalid",
        // not a revert.
        return ok && answer.length >= 32
            && abi.decode(answer, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }

    function _closedTerms(uint256 programId) private view returns (Terms memory terms) {
        terms = _existingTerms(programId);
        uint256 closesAt = _redemptionClosesAt(terms.validUntil);
        if (block.timestamp <= closesAt) revert RedemptionStillOpen(programId, closesAt, block.timestamp);
    }

    function _asArray(uint256 value) private pure returns (uint256[] memory list) {
        list = new uint256[](1);
        list[0] = value;
    }
}
