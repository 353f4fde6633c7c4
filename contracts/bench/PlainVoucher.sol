// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title PlainVoucher
/// @notice The benchmark's baseline: each BenefitToken operation done the plain OpenZeppelin way,
///         with no earmark rules, budgets, roles or pausing, so that `make bench` can state what
///         the rules cost as a ratio. Never deployed outside the benchmark: anyone can mint.
contract PlainVoucher is ERC1155, EIP712 {
    using SafeERC20 for IERC20;

    bytes32 private constant _PAY_TYPEHASH = keccak256(
        "PaymentAuthorization(address citizen,address merchant,uint256 programId,uint256 amount,bytes32 nonce,uint256 validAfter,uint256 validBefore)"
    );

    IERC20 private immutable _token;
    mapping(uint256 id => uint256) public faceValue;
    mapping(uint256 id => uint256) public funded;
    mapping(address citizen => mapping(bytes32 nonce => bool)) public used;

    constructor(IERC20 token) ERC1155("") EIP712("Plain", "1") {
        _token = token;
    }

    /// @notice Baseline of createProgram: only a face value.
    function setFaceValue(uint256 id, uint256 value) external {
        faceValue[id] = value;
    }

    /// @notice Baseline of fundProgram: pull the stablecoin, count it.
    function fund(uint256 id, uint256 amount) external {
        funded[id] += amount;
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Baseline of distribute: mint to many, no checks.
    function mintToMany(uint256 id, address[] calldata recipients, uint256[] calldata amounts) external {
        for (uint256 i; i < recipients.length; ++i) {
            _mint(recipients[i], id, amounts[i], "");
        }
    }

    /// @notice Baseline of redeem: burn the caller's vouchers, pay their face value to the caller.
    function redeem(uint256[] calldata ids, uint256[] calldata amounts) external {
        // slither-disable-next-line uninitialized-local (Solidity zeroes locals: the sum starts at 0 on purpose)
        uint256 value;
        for (uint256 i; i < ids.length; ++i) {
            value += amounts[i] * faceValue[ids[i]];
        }
        _burnBatch(msg.sender, ids, amounts);
        _token.safeTransfer(msg.sender, value);
    }

    /// @notice Baseline of payWithAuthorization: EIP-712 check, nonce, burn, pay; no rules.
    function payWithAuthorization(
        address citizen,
        address merchant,
        uint256 id,
        uint256 amount,
        bytes32 nonce,
        uint256 validAfter,
        uint256 validBefore,
        bytes calldata signature
    ) external {
        require(block.timestamp > validAfter && block.timestamp < validBefore);
        require(!used[citizen][nonce]);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(_PAY_TYPEHASH, citizen, merchant, id, amount, nonce, validAfter, validBefore))
        );
        require(ECDSA.recover(digest, signature) == citizen);
        used[citizen][nonce] = true;
        _burn(citizen, id, amount);
        _token.safeTransfer(merchant, amount * faceValue[id]);
    }
}
