// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";

/// @title Land title registry of a city
/// @notice Each land parcel's title is an ERC-721 token (id = parcel id) that wallets and
/// explorers show, but it moves only through the registry's workflow: the owner proposes a
/// transfer, the buyer accepts, a registrar approves. Liens held by lenders and court freezes
/// block a transfer; parcels split and merge with their area conserved and their lineage kept.
/// Every change emits an event whose first indexed topic is the parcel id, so one log query
/// per parcel rebuilds its whole history. No personal data is stored: owners are addresses,
/// deeds, names and geometries live off chain and are referenced by hash.
/// @dev Areas are in whole square metres. Cadastral references, case references, document
/// kinds and price references are bytes32 (a short ASCII string, right-padded, or a hash).
interface ILandRegistry is IERC721Metadata {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Lifecycle of a parcel record. Retired parcels are never deleted.
    enum ParcelStatus {
        None,
        Live,
        Retired
    }

    /// @notice Lifecycle of a transfer proposal. An Open or Accepted proposal past its
    /// expiry is expired: it can only be cancelled or superseded by a new proposal.
    enum ProposalStatus {
        None,
        Open,
        Accepted,
        Cancelled,
        Completed
    }

    /// @notice A parcel record. Gas: the three hashes take a slot each; area, open proposal,
    /// registration time, status, lien count and successors share the fourth slot (32 bytes).
    /// The successors of a retired parcel are the `childCount` consecutive ids from
    /// `firstChildId` (a subdivision's children are numbered in a row; a merger has one).
    struct Parcel {
        bytes32 cadastralRef;
        bytes32 geometryHash;
        bytes32 deedHash;
        uint64 area;
        uint64 openProposalId;
        uint40 registeredAt;
        ParcelStatus status;
        uint8 activeLiens;
        uint64 firstChildId;
        uint8 childCount;
    }

    /// @notice What a registrar states for a parcel created by subdivision or merger.
    struct ParcelSpec {
        bytes32 cadastralRef;
        bytes32 geometryHash;
        uint64 area;
        bytes32 deedHash;
    }

    /// @notice A transfer proposal. Gas: ids, parties, expiry, status and consent count pack
    /// into two slots; the two references the buyer agrees to take one slot each.
    struct TransferProposal {
        uint64 parcelId;
        address seller;
        uint8 lienConsents;
        ProposalStatus status;
        address buyer;
        uint40 expiresAt;
        bytes32 priceRef;
        bytes32 deedHash;
    }

    /// @notice A lien (mortgage or other charge). Gas: lender, parcel and flag share one slot.
    struct Lien {
        address lender;
        uint64 parcelId;
        bool active;
        bytes32 amountRef;
        bytes32 documentHash;
    }

    /// @notice An owner's leave for a lender without LENDER_ROLE to register one lien: the owner
    /// who gave it and the parcel's count of title moves then. Gas: one slot.
    struct LenderAuthorization {
        address owner;
        uint64 titleMoves;
    }

    /// @notice A document attached to a parcel. Its URI is in the {DocumentAttached} event only.
    struct Document {
        bytes32 kind;
        bytes32 documentHash;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A parcel came into existence: by registration (`parentIds` empty), by
    /// subdivision (one parent) or by merger (several parents). Children of a subdivision or
    /// merger carry an empty `deedURI`: their deed documents are attached separately.
    event ParcelRegistered(
        uint256 indexed parcelId,
        address indexed owner,
        bytes32 indexed cadastralRef,
        bytes32 geometryHash,
        uint64 area,
        bytes32 deedHash,
        string deedURI,
        uint256[] parentIds
    );

    /// @notice A parcel was retired by subdivision or merger into `successorIds`; its title
    /// token was burned, its record and lineage stay.
    event ParcelRetired(uint256 indexed parcelId, address indexed lastOwner, uint256[] successorIds);

    /// @notice The owner proposed to transfer the title to `buyer` on the stated terms.
    event TransferProposed(
        uint256 indexed parcelId,
        uint256 indexed proposalId,
        address indexed buyer,
        address seller,
        bytes32 priceRef,
        bytes32 deedHash,
        uint40 expiresAt
    );

    /// @notice The buyer accepted the proposal's terms.
    event TransferAccepted(uint256 indexed parcelId, uint256 indexed proposalId, address indexed buyer);

    /// @notice The seller, the buyer or a registrar withdrew the proposal before approval.
    event TransferCancelled(
        uint256 indexed parcelId,
        uint256 indexed proposalId,
        address indexed cancelledBy
    );

    /// @notice The lender of an active lien consented to the transfer of this proposal.
    event TransferConsented(
        uint256 indexed parcelId,
        uint256 indexed proposalId,
        uint256 indexed lienId,
        address lender
    );

    /// @notice A registrar approved the proposal and the title moved from `from` to `to`.
    event TitleTransferred(
        uint256 indexed parcelId,
        uint256 indexed proposalId,
        address indexed to,
        address from,
        bytes32 deedHash,
        address registrar
    );

    /// @notice The owner allowed (or stopped allowing) `lender`, who holds no LENDER_ROLE, to
    /// register one lien on the parcel.
    event LenderAuthorized(
        uint256 indexed parcelId,
        address indexed owner,
        address indexed lender,
        bool authorized
    );

    /// @notice A lien was registered on the parcel.
    event LienAdded(
        uint256 indexed parcelId,
        uint256 indexed lienId,
        address indexed lender,
        bytes32 amountRef,
        bytes32 documentHash
    );

    /// @notice The lender released the lien.
    event LienReleased(uint256 indexed parcelId, uint256 indexed lienId, address indexed lender);

    /// @notice A court discharged the lien by court order in the case `caseRef` (the lender's
    /// key is lost, the lender no longer exists, or the lien was wrongly registered).
    event LienDischarged(
        uint256 indexed parcelId,
        uint256 indexed lienId,
        bytes32 indexed caseRef,
        address lender,
        address court
    );

    /// @notice A court froze the parcel for the case `caseRef`.
    event ParcelFreezeOrdered(uint256 indexed parcelId, bytes32 indexed caseRef, address indexed court);

    /// @notice A court lifted the freeze of case `caseRef`.
    event ParcelFreezeLifted(uint256 indexed parcelId, bytes32 indexed caseRef, address indexed court);

    /// @notice A document was attached to the parcel; `index` is its position in the list.
    event DocumentAttached(
        uint256 indexed parcelId,
        bytes32 indexed kind,
        bytes32 indexed documentHash,
        string uri,
        address attachedBy,
        uint256 index
    );

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Titles move only through proposeTransfer -> acceptTransfer -> approveTransfer;
    /// transferFrom, safeTransferFrom, approve and setApprovalForAll are refused.
    /// @param parcelId The parcel named by the call (0 for setApprovalForAll, which names none).
    error TitleMovesOnlyThroughWorkflow(uint256 parcelId, address caller);

    /// @notice A parcel record lacks a cadastral reference, geometry hash, deed hash or area.
    error ParcelRecordIncomplete(bytes32 cadastralRef, bytes32 geometryHash, uint64 area, bytes32 deedHash);

    /// @notice The cadastral reference already belongs to a parcel (references are never reused).
    error CadastralReferenceTaken(bytes32 cadastralRef, uint256 parcelId);

    /// @notice The parcel does not exist (status None) or was retired (status Retired).
    error ParcelNotLive(uint256 parcelId, ParcelStatus status);

    /// @notice The caller is not the parcel's title holder.
    error NotParcelOwner(uint256 parcelId, address caller, address owner);

    /// @notice The caller may not attach documents to the parcel (owner, registrar or court only).
    error NotAuthorizedForParcel(uint256 parcelId, address caller);

    /// @notice The parcel is frozen by a court for the case `caseRef`.
    error ParcelFrozen(uint256 parcelId, bytes32 caseRef);

    /// @notice The parcel is already frozen for the case `caseRef`.
    error ParcelAlreadyFrozen(uint256 parcelId, bytes32 caseRef);

    /// @notice The parcel is not frozen.
    error ParcelNotFrozen(uint256 parcelId);

    /// @notice A freeze needs a non-zero case reference.
    error InvalidCaseReference(uint256 parcelId);

    /// @notice The parcel has `activeLiens` liens and only `lenderConsents` of their lenders
    /// consented to this movement (subdivision and merger take no consents).
    error ParcelEncumbered(uint256 parcelId, uint256 activeLiens, uint256 lenderConsents);

    /// @notice The parcel already has an open, unexpired transfer proposal.
    error ParcelHasOpenProposal(uint256 parcelId, uint256 proposalId);

    /// @notice The buyer is the zero address or the seller.
    error InvalidBuyer(uint256 parcelId, address buyer);

    /// @notice The expiry is not in the future.
    error InvalidExpiry(uint256 expiresAt, uint256 currentTime);

    /// @notice A proposal may run at most MAX_PROPOSAL_LIFETIME: `latest` is the last expiry allowed.
    error ProposalLifetimeTooLong(uint256 expiresAt, uint256 latest);

    /// @notice A transfer proposal needs the hash of the new deed.
    error MissingDeedHash(uint256 parcelId);

    /// @notice The proposal is not in the status the step needs.
    error ProposalNotInStatus(uint256 proposalId, ProposalStatus status, ProposalStatus required);

    /// @notice The proposal expired at `expiresAt`.
    error ProposalExpired(uint256 proposalId, uint256 expiresAt);

    /// @notice The proposal is not (or no longer) the parcel's open proposal.
    error ProposalNotOpen(uint256 proposalId);

    /// @notice Only the proposal's buyer can accept it.
    error NotProposedBuyer(uint256 proposalId, address caller, address buyer);

    /// @notice Only the proposal's seller, its buyer or a registrar can cancel it.
    error NotProposalParty(uint256 proposalId, address caller);

    /// @notice The caller holds no LENDER_ROLE and the owner has not authorized it on the parcel.
    error LenderNotAuthorized(uint256 parcelId, address lender);

    /// @notice The parcel already carries the maximum number of active liens.
    error TooManyLiens(uint256 parcelId, uint256 maxActiveLiens);

    /// @notice The lien does not exist or was released.
    error LienNotActive(uint256 lienId);

    /// @notice Only the lien's lender can release it or consent for it (a court discharges it).
    error NotLienLender(uint256 lienId, address caller, address lender);

    /// @notice The lender already consented to this proposal for this lien.
    error LienConsentAlreadyGiven(uint256 lienId, uint256 proposalId);

    /// @notice A subdivision or merger names too few or too many parcels.
    error InvalidPartCount(uint256 count, uint256 min, uint256 max);

    /// @notice Areas do not add up: `expected` is the parent's (or parents') area.
    error AreaMismatch(uint256 expected, uint256 actual);

    /// @notice Parcels merged must have one owner.
    error MergeOwnerMismatch(uint256 parcelId, address owner, address expectedOwner);

    /// @notice A document needs a non-zero kind and hash.
    error InvalidDocument(bytes32 kind, bytes32 documentHash);

    /*//////////////////////////////////////////////////////////////
                                 ROLES
    //////////////////////////////////////////////////////////////*/

    /// @notice Registers parcels, approves transfers, subdivides and merges.
    function REGISTRAR_ROLE() external view returns (bytes32);

    /// @notice Freezes and unfreezes parcels under dispute; discharges liens by court order.
    function COURT_ROLE() external view returns (bytes32);

    /// @notice Registers liens without a per-parcel authorization of the owner.
    /// @dev Granted by the admin only to accredited lenders, whose lien deed (signed by the owner
    /// off chain, or a judgment) is the lien's `documentHash`; a court discharges a wrongful lien.
    function LENDER_ROLE() external view returns (bytes32);

    /// @notice Pauses and unpauses registrations, transfers, liens and lineage changes.
    function PAUSER_ROLE() external view returns (bytes32);

    /*//////////////////////////////////////////////////////////////
                            REGISTRATION
    //////////////////////////////////////////////////////////////*/

    /// @notice Registers a new parcel and mints its title to `owner`.
    /// @dev Requirements:
    /// - caller has REGISTRAR_ROLE; the registry is not paused;
    /// - `cadastralRef`, `geometryHash`, `deedHash` are non-zero, `area` is non-zero;
    /// - `cadastralRef` was never used; `owner` is not the zero address.
    /// Emits: {ParcelRegistered}, {Transfer} from the zero address.
    /// @return parcelId The new parcel's id (ids count up from 1).
    function register(
        address owner,
        bytes32 cadastralRef,
        bytes32 geometryHash,
        uint64 area,
        bytes32 deedHash,
        string calldata deedURI
    ) external returns (uint256 parcelId);

    /*//////////////////////////////////////////////////////////////
                          TRANSFER WORKFLOW
    //////////////////////////////////////////////////////////////*/

    /// @notice The owner proposes to transfer the parcel to `buyer`.
    /// @dev Requirements:
    /// - the registry is not paused; the parcel is live and not frozen;
    /// - caller is the title holder; `buyer` is neither zero nor the caller;
    /// - `expiresAt` is in the future and at most MAX_PROPOSAL_LIFETIME away; `deedHash` is
    ///   non-zero;
    /// - the parcel has no open, unexpired proposal (an expired one is superseded).
    /// Emits: {TransferProposed}.
    /// @return proposalId The new proposal's id (ids count up from 1 across all parcels).
    function proposeTransfer(
        uint256 parcelId,
        address buyer,
        bytes32 priceRef,
        bytes32 deedHash,
        uint40 expiresAt
    ) external returns (uint256 proposalId);

    /// @notice The buyer accepts the proposal's terms.
    /// @dev Requirements: the registry is not paused; caller is the buyer; the proposal is
    /// Open, unexpired and still the parcel's open proposal.
    /// Emits: {TransferAccepted}.
    function acceptTransfer(uint256 proposalId) external;

    /// @notice A registrar approves an accepted proposal and the title moves to the buyer.
    /// @dev Requirements:
    /// - caller has REGISTRAR_ROLE; the registry is not paused;
    /// - the proposal is Accepted, unexpired and still the parcel's open proposal;
    /// - the parcel is not frozen; every active lien's lender consented to this proposal.
    /// Emits: {TitleTransferred}, {Transfer}.
    function approveTransfer(uint256 proposalId) external;

    /// @notice The seller, the buyer or a registrar withdraws the proposal before approval.
    /// @dev Allowed while paused, so that a pause never traps a party in a deal. A registrar may
    /// cancel so that no party can block the parcel's subdivision or merger with an open proposal.
    /// Requirements: caller is the seller, the buyer or has REGISTRAR_ROLE; the proposal is Open
    /// or Accepted.
    /// Emits: {TransferCancelled}.
    function cancelTransfer(uint256 proposalId) external;

    /*//////////////////////////////////////////////////////////////
                              ENCUMBRANCES
    //////////////////////////////////////////////////////////////*/

    /// @notice The owner allows `lender`, who holds no LENDER_ROLE, to register one lien.
    /// @dev The authorization belongs to the current owner: it lapses when the title moves
    /// (and stays lapsed if the title comes back to the same owner), and is used up by the lien
    /// it allows.
    /// Requirements: the registry is not paused; the parcel is live; caller is the title holder.
    /// Emits: {LenderAuthorized}.
    function authorizeLender(uint256 parcelId, address lender, bool authorized) external;

    /// @notice The caller, as lender, registers a lien on the parcel.
    /// @dev Requirements:
    /// - the registry is not paused; the parcel is live and not frozen;
    /// - caller has LENDER_ROLE or the owner authorized it on this parcel;
    /// - `documentHash` is non-zero; fewer than MAX_ACTIVE_LIENS liens are active.
    /// Emits: {LienAdded}.
    /// @return lienId The new lien's id (ids count up from 1 across all parcels).
    function addLien(uint256 parcelId, bytes32 amountRef, bytes32 documentHash)
        external
        returns (uint256 lienId);

    /// @notice The lender releases the lien (the debt is paid or waived).
    /// @dev Allowed while paused and while frozen: releasing never harms the owner.
    /// Requirements: the lien is active; caller is its lender.
    /// Emits: {LienReleased}.
    function releaseLien(uint256 lienId) external;

    /// @notice A court discharges the lien by court order in the case `caseRef`: the remedy when
    /// the lender's key is lost, the lender no longer exists or refuses a release it owes.
    /// @dev Allowed while paused and while frozen, like a release. A consent the lien gave to the
    /// open proposal is withdrawn with it.
    /// Requirements: caller has COURT_ROLE; the lien is active; `caseRef` is non-zero.
    /// Emits: {LienDischarged}.
    function dischargeLien(uint256 lienId, bytes32 caseRef) external;

    /// @notice The lender of an active lien consents to the transfer of proposal `proposalId`.
    /// @dev The consent names the proposal, so a lender never consents to other terms than
    /// those read. The lien stays on the parcel after the transfer.
    /// Requirements: the registry is not paused; the lien is active; caller is its lender;
    /// the proposal is the parcel's open proposal and unexpired; no consent given yet.
    /// Emits: {TransferConsented}.
    function consentToTransfer(uint256 lienId, uint256 proposalId) external;

    /*//////////////////////////////////////////////////////////////
                                DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @notice A court freezes the parcel: no transfer, lien, subdivision or merger until lifted.
    /// @dev Allowed while paused: a court order does not wait for a technical pause.
    /// Requirements: caller has COURT_ROLE; the parcel is live; it is not frozen; `caseRef` is
    /// non-zero.
    /// Emits: {ParcelFreezeOrdered}.
    function freeze(uint256 parcelId, bytes32 caseRef) external;

    /// @notice A court lifts the parcel's freeze.
    /// @dev Requirements: caller has COURT_ROLE; the parcel is frozen.
    /// Emits: {ParcelFreezeLifted}.
    function unfreeze(uint256 parcelId) external;

    /*//////////////////////////////////////////////////////////////
                          SUBDIVISION AND MERGER
    //////////////////////////////////////////////////////////////*/

    /// @notice A registrar splits a parcel into `children`, owned by the parcel's owner.
    /// @dev Requirements:
    /// - caller has REGISTRAR_ROLE; the registry is not paused; the parcel is live;
    /// - 2 to MAX_PARTS children, each a complete record with an unused cadastral reference;
    /// - the children's areas sum exactly to the parent's;
    /// - the parcel is not frozen, has no active lien and no open, unexpired proposal.
    /// Emits: {ParcelRetired} for the parent, {ParcelRegistered} for each child, {Transfer}s.
    /// @return childIds The children's new parcel ids, in the order given.
    function subdivide(uint256 parcelId, ParcelSpec[] calldata children)
        external
        returns (uint256[] memory childIds);

    /// @notice A registrar merges parcels of one owner into a new parcel.
    /// @dev Requirements:
    /// - caller has REGISTRAR_ROLE; the registry is not paused;
    /// - 2 to MAX_PARTS distinct live parcels of one owner;
    /// - none frozen, encumbered or with an open, unexpired proposal;
    /// - `merged` is a complete record, with an unused cadastral reference and an area equal
    ///   to the parents' sum.
    /// Emits: {ParcelRetired} for each parent, {ParcelRegistered} for the merged parcel.
    /// @return mergedId The merged parcel's id.
    function merge(uint256[] calldata parcelIds, ParcelSpec calldata merged)
        external
        returns (uint256 mergedId);

    /*//////////////////////////////////////////////////////////////
                                DOCUMENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Attaches a document (survey, deed, court order, ...) to the parcel.
    /// @dev The URI is kept in the event only. Allowed on retired parcels and while frozen.
    /// Requirements: the registry is not paused; the parcel exists; caller is its title
    /// holder, a registrar or a court; `kind` and `documentHash` are non-zero.
    /// Emits: {DocumentAttached}.
    function attachDocument(uint256 parcelId, bytes32 kind, bytes32 documentHash, string calldata uri)
        external;

    /*//////////////////////////////////////////////////////////////
                                 PAUSE
    //////////////////////////////////////////////////////////////*/

    /// @notice Stops registrations, transfers, liens, lineage changes and document attachments.
    /// @dev Requirements: caller has PAUSER_ROLE; not paused. Emits: {Paused}.
    function pause() external;

    /// @notice Resumes normal operation.
    /// @dev Requirements: caller has PAUSER_ROLE; paused. Emits: {Unpaused}.
    function unpause() external;

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice Maximum active liens on one parcel.
    function MAX_ACTIVE_LIENS() external view returns (uint256);

    /// @notice Longest time from proposing a transfer to its expiry (180 days).
    function MAX_PROPOSAL_LIFETIME() external view returns (uint256);

    /// @notice Maximum children of a subdivision and parents of a merger.
    function MAX_PARTS() external view returns (uint256);

    /// @notice The block this registry was deployed in: where a log scan starts.
    function deploymentBlock() external view returns (uint256);

    /// @notice The parcel record (status None for an unknown id).
    function parcel(uint256 parcelId) external view returns (Parcel memory);

    /// @notice The current title holder; the zero address for unknown and retired parcels.
    function holderOf(uint256 parcelId) external view returns (address);

    /// @notice The parcel id of a cadastral reference (0 if none).
    function parcelIdOf(bytes32 cadastralRef) external view returns (uint256);

    /// @notice The court case freezing the parcel (zero if it is not frozen).
    function freezeCase(uint256 parcelId) external view returns (bytes32);

    /// @notice The parcels this one was split or merged from.
    function parentsOf(uint256 parcelId) external view returns (uint256[] memory);

    /// @notice The parcels this one was split or merged into.
    function childrenOf(uint256 parcelId) external view returns (uint256[] memory);

    /// @notice A transfer proposal (status None for an unknown id).
    function proposal(uint256 proposalId) external view returns (TransferProposal memory);

    /// @notice A lien (lender zero for an unknown id).
    function lien(uint256 lienId) external view returns (Lien memory);

    /// @notice The proposal the lien's lender last consented to (0 if none).
    function lienConsent(uint256 lienId) external view returns (uint256 proposalId);

    /// @notice Whether `lender` may register a lien on the parcel by the current owner's leave.
    function isLenderAuthorized(uint256 parcelId, address lender) external view returns (bool);

    /// @notice How many documents are attached to the parcel.
    function documentCount(uint256 parcelId) external view returns (uint256);

    /// @notice The `index`-th document attached to the parcel.
    function document(uint256 parcelId, uint256 index) external view returns (Document memory);
}
