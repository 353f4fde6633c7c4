// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ILandRegistry} from "../../interfaces/ILandRegistry.sol";

/// @title LandRegistry
/// @notice A city's land title registry: parcels as ERC-721 titles that move only through a
/// registrar-approved workflow, with liens, court freezes, subdivision, merger and documents.
/// @dev Every title movement (registration mint, approved transfer, retirement burn) passes
/// through {_transition}, and the `_update` hook refuses any movement that ERC-721's public
/// surface initiates. Ids of parcels, proposals and liens are counters starting at 1 and are
/// stored as uint64 inside packed structs: 2^64 registrations will not happen.
contract LandRegistry is ERC721, AccessControl, Pausable, ILandRegistry {
    using Strings for uint256;

    /*//////////////////////////////////////////////////////////////
                           ROLES AND CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @inheritdoc ILandRegistry
    bytes32 public constant COURT_ROLE = keccak256("COURT_ROLE");
    /// @inheritdoc ILandRegistry
    bytes32 public constant LENDER_ROLE = keccak256("LENDER_ROLE");
    /// @inheritdoc ILandRegistry
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @inheritdoc ILandRegistry
    /// @dev Bounds the uint8 lien counter well below overflow; more concurrent charges on one
    /// parcel than this signal an error, and each needs its own consent before a sale.
    uint256 public constant MAX_ACTIVE_LIENS = 16;

    /// @inheritdoc ILandRegistry
    /// @dev Subdivision and merger loop over a caller-given list, writing several slots per
    /// item (~150k gas each): 16 parts keep one call under 3M gas, far below the 16.7M
    /// per-transaction cap (EIP-7825); larger re-plottings are done in steps.
    uint256 public constant MAX_PARTS = 16;

    /// @inheritdoc ILandRegistry
    /// @dev An open proposal blocks subdivision and merger: a bounded lifetime keeps a seller
    /// from blocking them forever (the registrar may also cancel; see {cancelTransfer}).
    uint256 public constant MAX_PROPOSAL_LIFETIME = 180 days;

    /// @inheritdoc ILandRegistry
    /// @dev Immutable: lives in the bytecode, costs no storage read.
    uint256 public immutable deploymentBlock;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    string private _metadataBaseURI;

    uint64 private _lastParcelId;
    uint64 private _lastProposalId;
    uint64 private _lastLienId;

    mapping(uint256 parcelId => Parcel) private _parcels;
    mapping(bytes32 cadastralRef => uint256 parcelId) private _parcelIdOfCadastralRef;
    mapping(uint256 parcelId => bytes32 caseRef) private _freezeCases;
    /// @dev Lineage, gas-lean: a subdivision child's single parent takes one slot; only a
    /// merged parcel stores a list. Children need no storage of their own: they are a range of
    /// consecutive ids packed into the parent's record (firstChildId, childCount).
    mapping(uint256 parcelId => uint256 parentId) private _subdivisionParent;
    mapping(uint256 parcelId => uint256[] parentIds) private _mergeParents;
    // slither-disable-next-line uninitialized-state (filled through a storage pointer: attachDocument pushes)
    mapping(uint256 parcelId => Document[]) private _documents;

    mapping(uint256 proposalId => TransferProposal) private _proposals;

    mapping(uint256 lienId => Lien) private _liens;
    mapping(uint256 lienId => uint256 proposalId) private _lienConsents;
    /// @dev Stores the owner who authorized the lender and the parcel's title-move count at that
    /// moment, so the authorization lapses by itself when the title moves, even if it later
    /// returns to the same owner (no clean-up loop on transfer). Both fit one slot.
    mapping(uint256 parcelId => mapping(address lender => LenderAuthorization)) private _lenderAuthorizations;
    /// @dev Counts approved transfers of each parcel (one slot written per transfer); only
    /// lender authorizations read it.
    mapping(uint256 parcelId => uint256 titleMoves) private _titleMoves;

    /*//////////////////////////////////////////////////////////////
                               CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param admin Receives DEFAULT_ADMIN_ROLE only; it grants the working roles.
    /// @param metadataBaseURI Prefix of every `tokenURI` (the parcel id is appended).
    constructor(address admin, string memory metadataBaseURI) ERC721("CivicLedger Land Title", "TITLE") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _metadataBaseURI = metadataBaseURI;
        deploymentBlock = block.number;
    }

    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    function register(
        address owner,
        bytes32 cadastralRef,
        bytes32 geometryHash,
        uint64 area,
        bytes32 deedHash,
        string calldata deedURI
    ) external onlyRole(REGISTRAR_ROLE) whenNotPaused returns (uint256 parcelId) {
        parcelId = _createParcel(
            owner, ParcelSpec(cadastralRef, geometryHash, area, deedHash), deedURI, new uint256[](0)
        );
    }

    /*//////////////////////////////////////////////////////////////
                            TRANSFER WORKFLOW
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    function proposeTransfer(
        uint256 parcelId,
        address buyer,
        bytes32 priceRef,
        bytes32 deedHash,
        uint40 expiresAt
    ) external whenNotPaused returns (uint256 proposalId) {
        Parcel storage record = _requireLive(parcelId);
        address seller = _requireOwner(parcelId, _msgSender());
        _requireNotFrozen(parcelId);
        _requireNoOpenProposal(parcelId, record);
        if (buyer == address(0) || buyer == seller) revert InvalidBuyer(parcelId, buyer);
        if (expiresAt <= block.timestamp) revert InvalidExpiry(expiresAt, block.timestamp);
        uint256 latest = block.timestamp + MAX_PROPOSAL_LIFETIME;
        if (expiresAt > latest) revert ProposalLifetimeTooLong(expiresAt, latest);
        if (deedHash == bytes32(0)) revert MissingDeedHash(parcelId);

        uint64 id = ++_lastProposalId;
        _proposals[id] = TransferProposal({
            parcelId: uint64(parcelId),
            seller: seller,
            lienConsents: 0,
            status: ProposalStatus.Open,
            buyer: buyer,
            expiresAt: expiresAt,
            priceRef: priceRef,
            deedHash: deedHash
        });
        record.openProposalId = id;
        emit TransferProposed(parcelId, id, buyer, seller, priceRef, deedHash, expiresAt);
        return id;
    }

    /// @inheritdoc ILandRegistry
    function acceptTransfer(uint256 proposalId) external whenNotPaused {
        TransferProposal storage deal = _requireCurrent(proposalId, ProposalStatus.Open);
        if (_msgSender() != deal.buyer) revert NotProposedBuyer(proposalId, _msgSender(), deal.buyer);
        deal.status = ProposalStatus.Accepted;
        emit TransferAccepted(deal.parcelId, proposalId, deal.buyer);
    }

    /// @inheritdoc ILandRegistry
    function approveTransfer(uint256 proposalId) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        TransferProposal storage deal = _requireCurrent(proposalId, ProposalStatus.Accepted);
        uint256 parcelId = deal.parcelId;
        address buyer = deal.buyer;
        bytes32 deedHash = deal.deedHash;

        address from = _transition(parcelId, buyer, deal.lienConsents);
        deal.status = ProposalStatus.Completed;
        Parcel storage record = _parcels[parcelId];
        record.deedHash = deedHash;
        record.openProposalId = 0;
        emit TitleTransferred(parcelId, proposalId, buyer, from, deedHash, _msgSender());
    }

    /// @inheritdoc ILandRegistry
    function cancelTransfer(uint256 proposalId) external {
        TransferProposal storage deal = _proposals[proposalId];
        ProposalStatus status = deal.status;
        if (status != ProposalStatus.Open && status != ProposalStatus.Accepted) {
            revert ProposalNotInStatus(proposalId, status, ProposalStatus.Open);
        }
        address caller = _msgSender();
        if (caller != deal.seller && caller != deal.buyer && !hasRole(REGISTRAR_ROLE, caller)) {
            revert NotProposalParty(proposalId, caller);
        }
        deal.status = ProposalStatus.Cancelled;
        uint256 parcelId = deal.parcelId;
        Parcel storage record = _parcels[parcelId];
        // An expired proposal may already be superseded: only clear the pointer if it is ours.
        if (record.openProposalId == proposalId) record.openProposalId = 0;
        emit TransferCancelled(parcelId, proposalId, caller);
    }

    /*//////////////////////////////////////////////////////////////
                              ENCUMBRANCES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    function authorizeLender(uint256 parcelId, address lender, bool authorized) external whenNotPaused {
        _requireLive(parcelId);
        address owner = _requireOwner(parcelId, _msgSender());
        _lenderAuthorizations[parcelId][lender] = authorized
            ? LenderAuthorization(owner, uint64(_titleMoves[parcelId]))
            : LenderAuthorization(address(0), 0);
        emit LenderAuthorized(parcelId, owner, lender, authorized);
    }

    /// @inheritdoc ILandRegistry
    function addLien(uint256 parcelId, bytes32 amountRef, bytes32 documentHash)
        external
        whenNotPaused
        returns (uint256 lienId)
    {
        Parcel storage record = _requireLive(parcelId);
        _requireNotFrozen(parcelId);
        address lender = _msgSender();
        if (!hasRole(LENDER_ROLE, lender)) {
            if (!_isLenderAuthorized(parcelId, lender)) revert LenderNotAuthorized(parcelId, lender);
            delete _lenderAuthorizations[parcelId][lender]; // one authorization, one lien
        }
        if (documentHash == bytes32(0)) revert InvalidDocument("lien", documentHash);
        if (record.activeLiens >= MAX_ACTIVE_LIENS) revert TooManyLiens(parcelId, MAX_ACTIVE_LIENS);

        uint64 id = ++_lastLienId;
        _liens[id] = Lien({
            lender: lender,
            parcelId: uint64(parcelId),
            active: true,
            amountRef: amountRef,
            documentHash: documentHash
        });
        unchecked {
            ++record.activeLiens; // bounded by MAX_ACTIVE_LIENS just above
        }
        emit LienAdded(parcelId, id, lender, amountRef, documentHash);
        return id;
    }

    /// @inheritdoc ILandRegistry
    function releaseLien(uint256 lienId) external {
        Lien storage charge = _requireLender(lienId);
        uint256 parcelId = _endLien(lienId, charge);
        emit LienReleased(parcelId, lienId, charge.lender);
    }

    /// @inheritdoc ILandRegistry
    function dischargeLien(uint256 lienId, bytes32 caseRef) external onlyRole(COURT_ROLE) {
        Lien storage charge = _liens[lienId];
        if (!charge.active) revert LienNotActive(lienId);
        if (caseRef == bytes32(0)) revert InvalidCaseReference(charge.parcelId);
        uint256 parcelId = _endLien(lienId, charge);
        emit LienDischarged(parcelId, lienId, caseRef, charge.lender, _msgSender());
    }

    /// @dev Ends an active lien, by its lender's release or a court's discharge: the one place
    /// the lien count goes down.
    function _endLien(uint256 lienId, Lien storage charge) private returns (uint256 parcelId) {
        parcelId = charge.parcelId;
        charge.active = false;
        Parcel storage record = _parcels[parcelId];
        unchecked {
            --record.activeLiens; // the lien was active, so the count is at least one
        }
        // A consent given to the still-open proposal no longer has a lien to speak for.
        uint256 openId = record.openProposalId;
        if (openId != 0 && _lienConsents[lienId] == openId) {
            unchecked {
                --_proposals[openId].lienConsents;
            }
        }
    }

    /// @inheritdoc ILandRegistry
    function consentToTransfer(uint256 lienId, uint256 proposalId) external whenNotPaused {
        Lien storage charge = _requireLender(lienId);
        TransferProposal storage deal = _proposals[proposalId];
        if (deal.parcelId != charge.parcelId || _parcels[charge.parcelId].openProposalId != proposalId) {
            revert ProposalNotOpen(proposalId);
        }
        if (block.timestamp > deal.expiresAt) revert ProposalExpired(proposalId, deal.expiresAt);
        if (_lienConsents[lienId] == proposalId) revert LienConsentAlreadyGiven(lienId, proposalId);
        _lienConsents[lienId] = proposalId;
        unchecked {
            ++deal.lienConsents; // at most one per active lien, bounded by MAX_ACTIVE_LIENS
        }
        emit TransferConsented(charge.parcelId, proposalId, lienId, charge.lender);
    }

    /*//////////////////////////////////////////////////////////////
                                DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    function freeze(uint256 parcelId, bytes32 caseRef) external onlyRole(COURT_ROLE) {
        _requireLive(parcelId);
        bytes32 current = _freezeCases[parcelId];
        if (current != bytes32(0)) revert ParcelAlreadyFrozen(parcelId, current);
        if (caseRef == bytes32(0)) revert InvalidCaseReference(parcelId);
        _freezeCases[parcelId] = caseRef;
        emit ParcelFreezeOrdered(parcelId, caseRef, _msgSender());
    }

    /// @inheritdoc ILandRegistry
    function unfreeze(uint256 parcelId) external onlyRole(COURT_ROLE) {
        bytes32 caseRef = _freezeCases[parcelId];
        if (caseRef == bytes32(0)) revert ParcelNotFrozen(parcelId);
        delete _freezeCases[parcelId];
        emit ParcelFreezeLifted(parcelId, caseRef, _msgSender());
    }

    /*//////////////////////////////////////////////////////////////
                          SUBDIVISION AND MERGER
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    function subdivide(uint256 parcelId, ParcelSpec[] calldata children)
        external
        onlyRole(REGISTRAR_ROLE)
        whenNotPaused
        returns (uint256[] memory childIds)
    {
        uint256 count = children.length;
        if (count < 2 || count > MAX_PARTS) revert InvalidPartCount(count, 2, MAX_PARTS);
        Parcel storage record = _requireLive(parcelId);
        _requireNoOpenProposal(parcelId, record);

        // slither-disable-next-line uninitialized-local (Solidity zeroes locals: the sum starts at 0 on purpose)
        uint256 total;
        for (uint256 i; i < count; ++i) total += children[i].area; // no overflow: <= 16 * 2^64
        if (total != record.area) revert AreaMismatch(record.area, total);

        // Child ids are the next counters: known before minting, so the parent's retirement
        // event can name them.
        childIds = new uint256[](count);
        uint256 next = _lastParcelId;
        for (uint256 i; i < count; ++i) childIds[i] = next + 1 + i;

        address owner = _retire(parcelId, childIds);
        uint256[] memory parentIds = new uint256[](1);
        parentIds[0] = parcelId;
        for (uint256 i; i < count; ++i) _createParcel(owner, children[i], "", parentIds);
    }

    /// @inheritdoc ILandRegistry
    function merge(uint256[] calldata parcelIds, ParcelSpec calldata merged)
        external
        onlyRole(REGISTRAR_ROLE)
        whenNotPaused
        returns (uint256 mergedId)
    {
        uint256 count = parcelIds.length;
        if (count < 2 || count > MAX_PARTS) revert InvalidPartCount(count, 2, MAX_PARTS);

        mergedId = _lastParcelId + 1;
        uint256[] memory successor = new uint256[](1);
        successor[0] = mergedId;
        address owner = _ownerOf(parcelIds[0]);
        // slither-disable-next-line uninitialized-local (Solidity zeroes locals: the sum starts at 0 on purpose)
        uint256 total;
        for (uint256 i; i < count; ++i) {
            uint256 id = parcelIds[i];
            // A repeated id is retired by its first occurrence, so _requireLive refuses it.
            Parcel storage record = _requireLive(id);
            address holder = _ownerOf(id);
            if (holder != owner) revert MergeOwnerMismatch(id, holder, owner);
            _requireNoOpenProposal(id, record);
            total += record.area;
            _retire(id, successor);
        }
        if (total != merged.area) revert AreaMismatch(total, merged.area);
        _createParcel(owner, merged, "", parcelIds);
    }

    /*//////////////////////////////////////////////////////////////
                                DOCUMENTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    function attachDocument(uint256 parcelId, bytes32 kind, bytes32 documentHash, string calldata uri)
        external
        whenNotPaused
    {
        ParcelStatus status = _parcels[parcelId].status;
        if (status == ParcelStatus.None) revert ParcelNotLive(parcelId, status);
        address caller = _msgSender();
        if (
            caller != _ownerOf(parcelId) && !hasRole(REGISTRAR_ROLE, caller)
                && !hasRole(COURT_ROLE, caller)
        ) revert NotAuthorizedForParcel(parcelId, caller);
        if (kind == bytes32(0) || documentHash == bytes32(0)) revert InvalidDocument(kind, documentHash);
        Document[] storage list = _documents[parcelId];
        list.push(Document(kind, documentHash));
        emit DocumentAttached(parcelId, kind, documentHash, uri, caller, list.length - 1);
    }

    /*//////////////////////////////////////////////////////////////
                                  PAUSE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ILandRegistry
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /*//////////////////////////////////////////////////////////////
                       ERC-721 SURFACE, CLOSED FOR MOVES
    //////////////////////////////////////////////////////////////*/

    /// @notice Refused: titles move only through the transfer workflow.
    function approve(address, uint256 parcelId) public view override(ERC721, IERC721) {
        revert TitleMovesOnlyThroughWorkflow(parcelId, _msgSender());
    }

    /// @notice Refused: titles move only through the transfer workflow.
    function setApprovalForAll(address, bool) public view override(ERC721, IERC721) {
        revert TitleMovesOnlyThroughWorkflow(0, _msgSender());
    }

    /// @notice `<base URI><parcel id>`, also for retired parcels (their record stays).
    function tokenURI(uint256 parcelId)
        public
        view
        override(ERC721, IERC721Metadata)
        returns (string memory)
    {
        // slither-disable-next-line incorrect-equality (an enum against its None member; not a balance or a time)
        if (_parcels[parcelId].status == ParcelStatus.None) revert ERC721NonexistentToken(parcelId);
        return string.concat(_metadataBaseURI, parcelId.toString());
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, AccessControl, IERC165)
        returns (bool)
    {
        return interfaceId == type(ILandRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILandRegistry
    function parcel(uint256 parcelId) external view returns (Parcel memory) {
        return _parcels[parcelId];
    }

    /// @inheritdoc ILandRegistry
    function holderOf(uint256 parcelId) external view returns (address) {
        return _ownerOf(parcelId);
    }

    /// @inheritdoc ILandRegistry
    function parcelIdOf(bytes32 cadastralRef) external view returns (uint256) {
        return _parcelIdOfCadastralRef[cadastralRef];
    }

    /// @inheritdoc ILandRegistry
    function freezeCase(uint256 parcelId) external view returns (bytes32) {
        return _freezeCases[parcelId];
    }

    /// @inheritdoc ILandRegistry
    function parentsOf(uint256 parcelId) external view returns (uint256[] memory parentIds) {
        uint256 parentId = _subdivisionParent[parcelId];
        if (parentId == 0) return _mergeParents[parcelId];
        parentIds = new uint256[](1);
        parentIds[0] = parentId;
    }

    /// @inheritdoc ILandRegistry
    function childrenOf(uint256 parcelId) external view returns (uint256[] memory childIds) {
        Parcel storage record = _parcels[parcelId];
        uint256 first = record.firstChildId;
        childIds = new uint256[](record.childCount);
        for (uint256 i; i < childIds.length; ++i) childIds[i] = first + i;
    }

    /// @inheritdoc ILandRegistry
    function proposal(uint256 proposalId) external view returns (TransferProposal memory) {
        return _proposals[proposalId];
    }

    /// @inheritdoc ILandRegistry
    function lien(uint256 lienId) external view returns (Lien memory) {
        return _liens[lienId];
    }

    /// @inheritdoc ILandRegistry
    function lienConsent(uint256 lienId) external view returns (uint256) {
        return _lienConsents[lienId];
    }

    /// @inheritdoc ILandRegistry
    function isLenderAuthorized(uint256 parcelId, address lender) external view returns (bool) {
        return _isLenderAuthorized(parcelId, lender);
    }

    /// @inheritdoc ILandRegistry
    function documentCount(uint256 parcelId) external view returns (uint256) {
        return _documents[parcelId].length;
    }

    /// @inheritdoc ILandRegistry
    function document(uint256 parcelId, uint256 index) external view returns (Document memory) {
        return _documents[parcelId][index];
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev The one place a title moves: mint on creation (`from` zero), transfer on approval,
    /// burn on retirement (`to` zero). A live title that moves is bound by the court freeze and
    /// by its liens: every active lien needs a consent (`lienConsents`; retirement has none).
    /// Calls `_update` with a zero `auth`, which the hook below reads as "the registry itself".
    function _transition(uint256 parcelId, address to, uint256 lienConsents) private returns (address from) {
        from = _ownerOf(parcelId);
        if (from != address(0)) {
            _requireNotFrozen(parcelId);
            uint256 active = _parcels[parcelId].activeLiens;
            if (active > lienConsents) revert ParcelEncumbered(parcelId, active, lienConsents);
            // Lapses every lender authorization the previous owner gave (see _isLenderAuthorized).
            if (to != address(0)) ++_titleMoves[parcelId];
        } else if (to == address(0)) {
            revert ERC721InvalidReceiver(to);
        }
        _update(to, parcelId, address(0));
    }

    /// @dev The single ERC-721 hook. OpenZeppelin passes the caller as `auth` from
    /// transferFrom/safeTransferFrom, and zero from _mint/_burn/_transfer, which only
    /// {_transition} uses. So a non-zero `auth` is a holder or operator moving a title outside
    /// the workflow. (No storage flag needed: this check costs no gas for the registry's moves.)
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (auth != address(0)) revert TitleMovesOnlyThroughWorkflow(tokenId, auth);
        return super._update(to, tokenId, auth);
    }

    /// @dev Writes a new parcel record and mints its title without the receiver callback
    /// (a registry must not let a recipient's code veto or re-enter a registration).
    function _createParcel(
        address owner,
        ParcelSpec memory spec,
        string memory deedURI,
        uint256[] memory parentIds
    ) private returns (uint256 parcelId) {
        if (
            spec.cadastralRef == bytes32(0) || spec.geometryHash == bytes32(0) || spec.area == 0
                || spec.deedHash == bytes32(0)
        ) revert ParcelRecordIncomplete(spec.cadastralRef, spec.geometryHash, spec.area, spec.deedHash);
        uint256 taken = _parcelIdOfCadastralRef[spec.cadastralRef];
        if (taken != 0) revert CadastralReferenceTaken(spec.cadastralRef, taken);

        parcelId = ++_lastParcelId;
        _parcelIdOfCadastralRef[spec.cadastralRef] = parcelId;
        _parcels[parcelId] = Parcel({
            cadastralRef: spec.cadastralRef,
            geometryHash: spec.geometryHash,
            deedHash: spec.deedHash,
            area: spec.area,
            openProposalId: 0,
            registeredAt: uint40(block.timestamp),
            status: ParcelStatus.Live,
            activeLiens: 0,
            firstChildId: 0,
            childCount: 0
        });
        if (parentIds.length == 1) _subdivisionParent[parcelId] = parentIds[0];
        else if (parentIds.length > 1) _mergeParents[parcelId] = parentIds;
        _transition(parcelId, owner, 0);
        emit ParcelRegistered(
            parcelId, owner, spec.cadastralRef, spec.geometryHash, spec.area, spec.deedHash, deedURI, parentIds
        );
    }

    /// @dev Retires a live parcel into `successorIds`: burns its title (through {_transition},
    /// which refuses frozen and encumbered parcels) and keeps its record and lineage.
    /// `successorIds` are consecutive (a subdivision's children, or the one merged parcel),
    /// so the record keeps only the first id and the count, in the slot its status shares.
    function _retire(uint256 parcelId, uint256[] memory successorIds) private returns (address owner) {
        owner = _transition(parcelId, address(0), 0);
        Parcel storage record = _parcels[parcelId];
        record.status = ParcelStatus.Retired;
        record.firstChildId = uint64(successorIds[0]);
        record.childCount = uint8(successorIds.length); // at most MAX_PARTS
        emit ParcelRetired(parcelId, owner, successorIds);
    }

    function _requireLive(uint256 parcelId) private view returns (Parcel storage record) {
        record = _parcels[parcelId];
        if (record.status != ParcelStatus.Live) revert ParcelNotLive(parcelId, record.status);
    }

    function _requireOwner(uint256 parcelId, address caller) private view returns (address owner) {
        owner = _ownerOf(parcelId);
        if (caller != owner) revert NotParcelOwner(parcelId, caller, owner);
    }

    function _requireNotFrozen(uint256 parcelId) private view {
        bytes32 caseRef = _freezeCases[parcelId];
        if (caseRef != bytes32(0)) revert ParcelFrozen(parcelId, caseRef);
    }

    /// @dev An Open or Accepted proposal that has not expired blocks a new proposal, a
    /// subdivision and a merger; an expired one is superseded silently.
    function _requireNoOpenProposal(uint256 parcelId, Parcel storage record) private view {
        uint256 openId = record.openProposalId;
        if (openId == 0) return;
        TransferProposal storage deal = _proposals[openId];
        bool live = deal.status == ProposalStatus.Open || deal.status == ProposalStatus.Accepted;
        if (live && block.timestamp <= deal.expiresAt) revert ParcelHasOpenProposal(parcelId, openId);
    }

    /// @dev The proposal in `required` status, unexpired, and still its parcel's open proposal.
    function _requireCurrent(uint256 proposalId, ProposalStatus required)
        private
        view
        returns (TransferProposal storage deal)
    {
        deal = _proposals[proposalId];
        if (deal.status != required) revert ProposalNotInStatus(proposalId, deal.status, required);
        if (block.timestamp > deal.expiresAt) revert ProposalExpired(proposalId, deal.expiresAt);
        if (_parcels[deal.parcelId].openProposalId != proposalId) revert ProposalNotOpen(proposalId);
    }

    /// @dev Given by the current owner, since the title last moved.
    function _isLenderAuthorized(uint256 parcelId, address lender) private view returns (bool) {
        address owner = _ownerOf(parcelId);
        LenderAuthorization memory leave = _lenderAuthorizations[parcelId][lender];
        return owner != address(0) && leave.owner == owner && leave.titleMoves == _titleMoves[parcelId];
    }

    function _requireLender(uint256 lienId) private view returns (Lien storage charge) {
        charge = _liens[lienId];
        if (!charge.active) revert LienNotActive(lienId);
        if (_msgSender() != charge.lender) revert NotLienLender(lienId, _msgSender(), charge.lender);
    }
}
