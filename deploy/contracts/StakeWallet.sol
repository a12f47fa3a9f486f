// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20Minimal {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title StakeWallet: stakes held per device id, and task payments between them.
/// @notice The upstream protocol's interface (addFunds, withdrawFunds, transferPayment, getWalletInfo, getBalance).
///         A device id's stake belongs to the wallet that first staked for it: only that wallet adds to it or withdraws
///         from it, and withdrawals go only there. Payments move stake from the creator's device to the solver's,
///         never more than the creator holds, and only the owner (the network's payer) makes them.
contract StakeWallet {
    struct WalletInfo {
        uint256 balance;
        string deviceId;
        address walletAddress;
        bool exists;
    }

    IERC20Minimal public immutable token;
    address public immutable owner;
    mapping(string => WalletInfo) public wallets;

    event FundsAdded(string deviceId, address indexed wallet, uint256 amount);
    event FundsWithdrawn(string deviceId, address indexed wallet, uint256 amount);
    event TaskPayment(string creatorDeviceId, string solverDeviceId, uint256 amount);

    error NotOwner(address caller);
    error ZeroAmount();
    error EmptyDeviceId();
    error WalletMismatch(string deviceId, address expected, address caller);
    error UnknownDevice(string deviceId);
    error InsufficientStake(string deviceId, uint256 balance, uint256 needed);
    error TokenTransferFailed();

    constructor(address token_) {
        token = IERC20Minimal(token_);
        owner = msg.sender;
    }

    /// @notice Stakes `amount` tokens (approved to this contract beforehand) for `deviceId`. The caller must be
    ///         `wallet`: a stake is never credited to, or later withdrawable by, anyone but the wallet that paid it.
    function addFunds(uint256 amount, string calldata deviceId, address wallet) external {
        if (amount == 0) revert ZeroAmount();
        if (bytes(deviceId).length == 0) revert EmptyDeviceId();
        if (wallet != msg.sender) revert WalletMismatch(deviceId, wallet, msg.sender);
        WalletInfo storage info = wallets[deviceId];
        if (info.exists && info.walletAddress != msg.sender) revert WalletMismatch(deviceId, info.walletAddress, msg.sender);
        if (!token.transferFrom(msg.sender, address(this), amount)) revert TokenTransferFailed();
        if (!info.exists) {
            info.deviceId = deviceId;
            info.walletAddress = msg.sender;
            info.exists = true;
        }
        info.balance += amount;
        emit FundsAdded(deviceId, msg.sender, amount);
    }

    /// @notice Withdraws `amount` of `deviceId`'s stake to the wallet that staked it; only that wallet may ask.
    function withdrawFunds(string calldata deviceId, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        WalletInfo storage info = wallets[deviceId];
        if (!info.exists) revert UnknownDevice(deviceId);
        if (info.walletAddress != msg.sender) revert WalletMismatch(deviceId, info.walletAddress, msg.sender);
        if (info.balance < amount) revert InsufficientStake(deviceId, info.balance, amount);
        // State before the external call, so a re-entrant token cannot withdraw the same stake twice.
        info.balance -= amount;
        if (!token.transfer(info.walletAddress, amount)) revert TokenTransferFailed();
        emit FundsWithdrawn(deviceId, info.walletAddress, amount);
    }

    /// @notice Pays `amount` of the creator device's stake to the solver device's stake. Owner only; the solver must
    ///         have staked (it has a wallet to withdraw to), and the creator must hold the whole amount.
    function transferPayment(string calldata creatorDeviceId, string calldata solverDeviceId, uint256 amount) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (amount == 0) revert ZeroAmount();
        WalletInfo storage creator = wallets[creatorDeviceId];
        WalletInfo storage solver = wallets[solverDeviceId];
        if (!creator.exists) revert UnknownDevice(creatorDeviceId);
        if (!solver.exists) revert UnknownDevice(solverDeviceId);
        if (creator.balance < amount) revert InsufficientStake(creatorDeviceId, creator.balance, amount);
        creator.balance -= amount;
        solver.balance += amount;
        emit TaskPayment(creatorDeviceId, solverDeviceId, amount);
    }

    /// @return balance the stake, deviceId as stored, walletAddress the wallet that staked, exists whether anyone has
    function getWalletInfo(string calldata deviceId)
        external view returns (uint256 balance, string memory storedDeviceId, address walletAddress, bool exists)
    {
        WalletInfo storage info = wallets[deviceId];
        return (info.balance, info.deviceId, info.walletAddress, info.exists);
    }

    function getBalance(string calldata deviceId) external view returns (uint256) {
        return wallets[deviceId].balance;
    }
}
