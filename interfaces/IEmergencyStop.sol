// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Emergency stop and reentrancy lock
/// @notice The events and errors are those of OpenZeppelin's Pausable and ReentrancyGuard, with
/// the same signatures, so explorers and tools that know those read these too.
interface IEmergencyStop {
    /// @notice Every token movement was stopped by `account`.
    event Paused(address account);

    /// @notice Token movements were resumed by `account`.
    event Unpaused(address account);

    /// @notice The operation is refused while paused.
    error EnforcedPause();

    /// @notice Unpausing something that is not paused.
    error ExpectedPause();

    /// @notice A call re-entered a guarded function.
    error ReentrancyGuardReentrantCall();

    /// @notice True while every token movement is stopped.
    function paused() external view returns (bool);
}
