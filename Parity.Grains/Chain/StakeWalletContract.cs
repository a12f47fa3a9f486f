using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Parity.Chain;

/// <summary>deploy/contracts/StakeWallet.sol's calls, events and custom errors that staking uses, typed for Nethereum.</summary>
public static class StakeWalletContract
{
    [Function("addFunds")]
    public sealed class AddFunds : FunctionMessage
    {
        [Parameter("uint256", "amount", 1)] public BigInteger Amount { get; set; }
        [Parameter("string", "deviceId", 2)] public string DeviceId { get; set; } = "";
        [Parameter("address", "wallet", 3)] public string Wallet { get; set; } = "";
    }

    [Function("withdrawFunds")]
    public sealed class WithdrawFunds : FunctionMessage
    {
        [Parameter("string", "deviceId", 1)] public string DeviceId { get; set; } = "";
        [Parameter("uint256", "amount", 2)] public BigInteger Amount { get; set; }
    }

    [Function("transferPayment")]
    public sealed class TransferPayment : FunctionMessage
    {
        [Parameter("string", "creatorDeviceId", 1)] public string CreatorDeviceId { get; set; } = "";
        [Parameter("string", "solverDeviceId", 2)] public string SolverDeviceId { get; set; } = "";
        [Parameter("uint256", "amount", 3)] public BigInteger Amount { get; set; }
    }

    [Event("TaskPayment")]
    public sealed class TaskPaymentEvent : IEventDTO
    {
        [Parameter("string", "creatorDeviceId", 1, false)] public string CreatorDeviceId { get; set; } = "";
        [Parameter("string", "solverDeviceId", 2, false)] public string SolverDeviceId { get; set; } = "";
        [Parameter("uint256", "amount", 3, false)] public BigInteger Amount { get; set; }
    }

    [Function("owner", "address")]
    public sealed class Owner : FunctionMessage;

    [Function("token", "address")]
    public sealed class Token : FunctionMessage;

    [Function("getWalletInfo", typeof(WalletInfo))]
    public sealed class GetWalletInfo : FunctionMessage
    {
        [Parameter("string", "deviceId", 1)] public string DeviceId { get; set; } = "";
    }

    [FunctionOutput]
    public sealed class WalletInfo : IFunctionOutputDTO
    {
        [Parameter("uint256", "balance", 1)] public BigInteger Balance { get; set; }
        [Parameter("string", "storedDeviceId", 2)] public string DeviceId { get; set; } = "";
        [Parameter("address", "walletAddress", 3)] public string WalletAddress { get; set; } = "";
        [Parameter("bool", "exists", 4)] public bool Exists { get; set; }
    }

    [Error("NotOwner")]
    public sealed class NotOwnerError
    {
        [Parameter("address", "caller", 1)] public string Caller { get; set; } = "";
    }

    [Error("ZeroAmount")]
    public sealed class ZeroAmountError;

    [Error("EmptyDeviceId")]
    public sealed class EmptyDeviceIdError;

    [Error("WalletMismatch")]
    public sealed class WalletMismatchError
    {
        [Parameter("string", "deviceId", 1)] public string DeviceId { get; set; } = "";
        [Parameter("address", "expected", 2)] public string Expected { get; set; } = "";
        [Parameter("address", "caller", 3)] public string Caller { get; set; } = "";
    }

    [Error("UnknownDevice")]
    public sealed class UnknownDeviceError
    {
        [Parameter("string", "deviceId", 1)] public string DeviceId { get; set; } = "";
    }

    [Error("InsufficientStake")]
    public sealed class InsufficientStakeError
    {
        [Parameter("string", "deviceId", 1)] public string DeviceId { get; set; } = "";
        [Parameter("uint256", "balance", 2)] public BigInteger Balance { get; set; }
        [Parameter("uint256", "needed", 3)] public BigInteger Needed { get; set; }
    }

    [Error("TokenTransferFailed")]
    public sealed class TokenTransferFailedError;
}
