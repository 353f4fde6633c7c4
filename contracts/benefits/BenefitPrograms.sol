// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EmergencyStop} from "./EmergencyStop.sol";
import {IBenefitToken} from "../../interfaces/IBenefitToken.sol";

/// @title BenefitPrograms
/// @notice Programs, merchants, distribution and the earmarking rules of the benefit token.
/// @dev Every token movement passes through `_update`: that is where the rules for what, when and
///      where tokens may be spent are enforced, once, for wallet transfers and signed payments
///      alike. Settlement (escrow and payouts) builds on this contract; see Settlement.sol.
abstract contract BenefitPrograms is ERC1155, AccessControl, EmergencyStop, IBenefitToken {
    /*//////////////////////////////////////////////////////////////
                          TYPES AND CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev Everything a payment checks and the one counter it writes, packed in one slot, so
    ///      that a payment or a redemption touches one program slot (gas: bench `gas.redeem`).
    ///      Hence the widths: seconds until 2106, face values below 2**48, tokens below 2**40.
    struct Terms {
        uint32 validFrom;
        uint32 validUntil;
        uint48 faceValue;
        uint32 merchantCategories;
        uint64 districts;
        uint8 category;
        uint40 redeemed;
    }

    /// @dev What a distribution reads and writes, in one slot.
    struct Supply {
        uint40 budget;
        uint40 minted;
        uint40 reclaimed;
        uint40 perCitizenCap;
    }

    bytes32 public constant PROGRAM_MANAGER_ROLE = keccak256("PROGRAM_MANAGER_ROLE");
    bytes32 public constant MERCHANT_MANAGER_ROLE = keccak256("MERCHANT_MANAGER_ROLE");
    bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");
    bytes32 public constant TREASURER_ROLE = keccak256("TREASURER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @dev ~30k gas per new recipient: 500 stays under mainnet's 16,777,216 per transaction.
    uint256 public constant MAX_BATCH = 500;

    uint8 private constant _CATEGORY_LIMIT = 32;
    uint8 private constant _DISTRICT_LIMIT = 64;
    uint256 private constant _MAX_TOKENS = type(uint40).max;
    uint256 private constant _MAX_FACE_VALUE = type(uint48).max;
    uint256 private constant _MAX_TIME = type(uint32).max;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    uint256 private _programCount;
    mapping(uint256 programId => Terms) internal _terms;
    mapping(uint256 programId => Supply) internal _supply;
    mapping(uint256 programId => string) private _names;
    mapping(uint256 programId => string) private _uris;
    mapping(address account => Merchant) internal _merchants;
    mapping(bytes32 batchId => bool) private _distributedBatches;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param admin Receives DEFAULT_ADMIN_ROLE, and grants the domain roles to the city's staff.
    constructor(address admin) ERC1155("") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                           PROGRAMS (MUTATING)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IBenefitToken
    function createProgram(ProgramConfig calldata config)
        external
        onlyRole(PROGRAM_MANAGER_ROLE)
        returns (uint256 programId)
    {
        if (
            config.validUntil <= config.validFrom || config.validUntil <= block.timestamp
                || config.validUntil > _MAX_TIME
        ) {
            revert ProgramValidityInvalid(config.validFrom, config.validUntil, block.timestamp);
        }
        if (config.faceValue == 0 || config.faceValue > _MAX_FACE_VALUE) revert ProgramTermsInvalid("faceValue");
        _checkRules(config.budget, config.merchantCategories, config.districts, config.perCitizenCap);

        programId = ++_programCount;
        _terms[programId] = Terms({
            validFrom: uint32(config.validFrom),
            validUntil: uint32(config.validUntil),
            faceValue: uint48(config.faceValue),
            merchantCategories: config.merchantCategories,
            districts: config.districts,
            category: config.category,
            redeemed: 0
        });
        _supply[programId] = Supply({
            budget: uint40(config.budget),
            minted: 0,
            reclaimed: 0,
            perCitizenCap: uint40(config.perCitizenCap)
        });
        _names[programId] = config.name;
        _uris[programId] = config.uri;

        emit NewPBMTypeCreated(programId, config.name, config.budget, config.validUntil, msg.sender);
        emit ProgramCreated(programId, config.category, config.faceValue, config.validFrom, _rules(programId));
        emit URI(config.uri, programId);
    }

    /// @inheritdoc IBenefitToken
    function changeProgramRules(uint256 programId, ProgramRules calldata rules)
        external
        onlyRole(PROGRAM_MANAGER_ROLE)
    {
        Terms storage terms = _existingTerms(programId);
        Supply storage supply = _supply[programId];
        // A closed program's escrow may already be withdrawn: reopening it would pay its old
        // tokens out of other programs' escrow.
        uint256 closesAt = _redemptionClosesAt(terms.validUntil);
        if (block.timestamp > closesAt) revert ProgramClosed(programId, closesAt, block.timestamp);
        if (rules.validUntil < terms.validUntil) {
            revert ProgramExpiryShortened(programId, terms.validUntil, rules.validUntil);
        }
        if (rules.validUntil > _MAX_TIME) {
            revert ProgramValidityInvalid(terms.validFrom, rules.validUntil, block.timestamp);
        }
        if (rules.budget < supply.minted) revert BudgetBelowMinted(programId, supply.minted, rules.budget);
        _checkRules(rules.budget, rules.merchantCategories, rules.districts, rules.perCitizenCap);

        ProgramRules memory previous = _rules(programId);
        terms.validUntil = uint32(rules.validUntil);
        terms.merchantCategories = rules.merchantCategories;
        terms.districts = rules.districts;
        supply.budget = uint40(rules.budget);
        supply.perCitizenCap = uint40(rules.perCitizenCap);
        emit ProgramRulesChanged(programId, previous, rules);
    }

    /// @inheritdoc IBenefitToken
    function setProgramURI(uint256 programId, string calldata newUri) external onlyRole(PROGRAM_MANAGER_ROLE) {
        _existingTerms(programId);
        _uris[programId] = newUri;
        emit URI(newUri, programId);
    }

    /*//////////////////////////////////////////////////////////////
                           MERCHANTS (MUTATING)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IBenefitToken
    function onboardMerchant(address account, uint8 category, uint8 district, address payout)
        external
        onlyRole(MERCHANT_MANAGER_ROLE)
    {
        if (category >= _CATEGORY_LIMIT) revert MerchantCategoryOutOfRange(category);
        if (district >= _DISTRICT_LIMIT) revert MerchantDistrictOutOfRange(district);
        if (account == address(0) || payout == address(0)) revert MerchantInvalid(account, payout);
        Merchant memory previous = _merchants[account];
        // A holder turned merchant could redeem its own benefits without a purchase. (A
        // registered merchant's tokens were paid to it: they are receivables, not benefits.)
        if (previous.status == MerchantStatus.None) _requireNoLiveBenefits(account);
        _merchants[account] =
            Merchant({payout: payout, category: category, district: district, status: MerchantStatus.Active});
        emit MerchantOnboarded(account, category, district, payout);
        if (previous.payout != address(0) && previous.payout != payout) {
            emit MerchantPayoutChanged(account, previous.payout, payout);
        }
        emit MerchantStatusChanged(account, MerchantStatus.Active);
        emit MerchantList("add", _asAddressArray(account), "");
    }

    /// @inheritdoc IBenefitToken
    function suspendMerchant(address account, string calldata reason) external onlyRole(MERCHANT_MANAGER_ROLE) {
        _setMerchantStatus(account, MerchantStatus.Suspended);
        emit MerchantList("remove", _asAddressArray(account), reason);
    }

    /// @inheritdoc IBenefitToken
    function reinstateMerchant(address account) external onlyRole(MERCHANT_MANAGER_ROLE) {
        _setMerchantStatus(account, MerchantStatus.Active);
        emit MerchantList("add", _asAddressArray(account), "");
    }

    /*//////////////////////////////////////////////////////////////
                         DISTRIBUTION (MUTATING)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IBenefitToken
    function distribute(uint256 programId, bytes32 batchId, address[] calldata recipients, uint256[] calldata amounts)
        external
        onlyRole(DISTRIBUTOR_ROLE)
        nonReentrant
    {
        uint256 count = recipients.length;
        if (count == 0 || count != amounts.length || count > MAX_BATCH) {
            revert BatchInvalid(batchId, count, amounts.length);
        }
        uint256 total = _reserveBatch(programId, batchId, recipients, amounts);
        // Effects are done: each mint may now call a contract recipient's onERC1155Received.
        for (uint256 i; i < count; ++i) {
            _mint(recipients[i], programId, amounts[i], "");
        }
        emit BatchDistributed(programId, batchId, count, total);
    }

    /*//////////////////////////////////////////////////////////////
                          EMERGENCIES (MUTATING)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IBenefitToken
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IBenefitToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IBenefitToken
    function program(uint256 programId) external view returns (Program memory) {
        Terms memory terms = _existingTerms(programId);
        Supply memory supply = _supply[programId];
        return Program({
            category: terms.category,
            faceValue: terms.faceValue,
            budget: supply.budget,
            validFrom: terms.validFrom,
            validUntil: terms.validUntil,
            merchantCategories: terms.merchantCategories,
            districts: terms.districts,
            perCitizenCap: supply.perCitizenCap,
            minted: supply.minted,
            redeemed: terms.redeemed,
            reclaimed: supply.reclaimed
        });
    }

    /// @inheritdoc IBenefitToken
    function programCount() external view returns (uint256) {
        return _programCount;
    }

    /// @inheritdoc IBenefitToken
    function getTokenDetails(uint256 tokenId) external view returns (PBMToken memory) {
        Terms memory terms = _existingTerms(tokenId);
        return PBMToken({name: _names[tokenId], faceValue: terms.faceValue, expiry: terms.validUntil, uri: _uris[tokenId]});
    }

    /// @inheritdoc IBenefitToken
    function merchant(address account) external view returns (Merchant memory) {
        return _merchants[account];
    }

    /// @inheritdoc IBenefitToken
    function isMerchant(address account) external view returns (bool) {
        return _merchants[account].status == MerchantStatus.Active;
    }

    /// @inheritdoc IBenefitToken
    function batchDistributed(bytes32 batchId) external view returns (bool) {
        return _distributedBatches[batchId];
    }

    /// @notice ERC-1155 metadata URI of a program (its JSON names, describes and pictures it).
    function uri(uint256 programId) public view override returns (string memory) {
        return _uris[programId];
    }

    /// @notice ERC-165: ERC-1155, its metadata extension and AccessControl.
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev The one hook every movement passes: mint (distribution), transfer (a citizen paying
    ///      a merchant) and burn (redemption, signed payment, reclaim).
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values)
        internal
        virtual
        override
    {
        _requireNotPaused();
        if (from != address(0) && to != address(0)) {
            for (uint256 i; i < ids.length; ++i) {
                _checkPayment(from, to, ids[i]);
            }
        }
        super._update(from, to, ids, values);
        if (from == address(0)) {
            // A merchant holding fresh tokens could redeem them for cash with no purchase.
            if (_merchants[to].status != MerchantStatus.None) revert MerchantCannotReceiveBenefits(ids[0], to);
            // The cap bounds what a citizen holds at once, checked on the balance just written:
            // no storage per citizen beyond the balance (gas, see bench distribute_per_recipient).
            for (uint256 i; i < ids.length; ++i) {
                uint256 cap = _supply[ids[i]].perCitizenCap;
                if (cap != 0) {
                    uint256 held = balanceOf(to, ids[i]);
                    if (held > cap) revert CitizenCapExceeded(ids[i], to, cap, held);
                }
            }
        }
    }

    /// @dev The earmark: `from` (a citizen) may pay `to` only if `to` is an active merchant
    ///      whose category and district the program allows, inside the validity window.
    function _checkPayment(address from, address to, uint256 programId)
        internal
        view
        returns (Merchant memory payee, Terms memory terms)
    {
        if (_merchants[from].status != MerchantStatus.None) revert MerchantTransferNotAllowed(programId, from, to);
        payee = _merchants[to];
        if (payee.status != MerchantStatus.Active) {
            if (payee.status == MerchantStatus.None) revert CitizenTransferNotAllowed(programId, from, to);
            revert MerchantSuspended(to);
        }
        terms = _terms[programId];
        if (terms.validUntil == 0) revert ProgramNotFound(programId);
        if (block.timestamp < terms.validFrom) revert ProgramNotStarted(programId, terms.validFrom, block.timestamp);
        if (block.timestamp > terms.validUntil) revert ProgramExpired(programId, terms.validUntil, block.timestamp);
        if (terms.merchantCategories & (uint32(1) << payee.category) == 0) {
            revert MerchantCategoryNotAllowed(programId, to, payee.category);
        }
        if (terms.districts & (uint64(1) << payee.district) == 0) {
            revert MerchantDistrictNotAllowed(programId, to, payee.district);
        }
    }

    /// @dev Checks a distribution batch against the budget and the escrow, then records it and
    ///      its tokens as minted: every effect before the first mint's external call.
    function _reserveBatch(uint256 programId, bytes32 batchId, address[] calldata recipients, uint256[] calldata amounts)
        private
        returns (uint256 total)
    {
        if (_distributedBatches[batchId]) revert BatchAlreadyDistributed(batchId);
        Terms memory terms = _existingTerms(programId);
        if (block.timestamp > terms.validUntil) {
            revert DistributionClosed(programId, terms.validUntil, block.timestamp);
        }
        for (uint256 i; i < amounts.length; ++i) {
            if (amounts[i] == 0) revert DistributionAmountZero(batchId, recipients[i]);
            total += amounts[i];
        }
        Supply storage supply = _supply[programId];
        uint256 minted = supply.minted + total;
        if (minted > supply.budget) revert BudgetExceeded(programId, supply.budget, supply.minted, total);
        // Backing: every token ever minted is covered at face value by what the escrow received
        // (redeemed tokens were paid out of it, so funded − withdrawn ≥ minted × face suffices).
        uint256 required = minted * terms.faceValue;
        uint256 available = _escrowCapacity(programId);
        if (required > available) revert EscrowInsufficient(programId, required, available);
        _distributedBatches[batchId] = true;
        supply.minted = uint40(minted); // ≤ budget, a uint40
    }

    /// @dev Refuses an account holding tokens of any program whose redemption window is open.
    ///      Loops over every program id (a rare admin step, ~2,600 gas a program), so that no
    ///      per-holder bookkeeping is added to distribution (bench distribute_per_recipient).
    function _requireNoLiveBenefits(address account) private view {
        uint256 count = _programCount;
        for (uint256 id = 1; id <= count; ++id) {
            uint256 held = balanceOf(account, id);
            if (held != 0 && block.timestamp <= _redemptionClosesAt(_terms[id].validUntil)) {
                revert MerchantHoldsBenefits(account, id, held);
            }
        }
    }

    /// @dev The last second at which merchants may redeem a program expiring at `validUntil`.
    function _redemptionClosesAt(uint256 validUntil) internal view virtual returns (uint256);

    /// @dev Settlement-token units the escrow holds for minting `programId`'s tokens against.
    function _escrowCapacity(uint256 programId) internal view virtual returns (uint256);

    function _checkRules(uint256 budget, uint32 merchantCategories, uint64 districts, uint256 perCitizenCap)
        private
        pure
    {
        if (budget == 0 || budget > _MAX_TOKENS) revert ProgramTermsInvalid("budget");
        if (merchantCategories == 0) revert ProgramTermsInvalid("merchantCategories");
        if (districts == 0) revert ProgramTermsInvalid("districts");
        if (perCitizenCap > _MAX_TOKENS) revert ProgramTermsInvalid("perCitizenCap");
    }

    function _existingTerms(uint256 programId) internal view returns (Terms storage terms) {
        terms = _terms[programId];
        if (terms.validUntil == 0) revert ProgramNotFound(programId);
    }

    function _rules(uint256 programId) private view returns (ProgramRules memory) {
        Terms memory terms = _terms[programId];
        return ProgramRules({
            budget: _supply[programId].budget,
            validUntil: terms.validUntil,
            merchantCategories: terms.merchantCategories,
            districts: terms.districts,
            perCitizenCap: _supply[programId].perCitizenCap
        });
    }

    function _setMerchantStatus(address account, MerchantStatus status) private {
        Merchant storage record = _merchants[account];
        if (record.status == MerchantStatus.None) revert MerchantNotRegistered(account);
        record.status = status;
        emit MerchantStatusChanged(account, status);
    }

    function _asAddressArray(address account) private pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = account;
    }
}
