using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Parity.Tests.Chain;

/// <summary>The calls and events of deploy/contracts the tests use, typed for Nethereum.</summary>
public static class StakeWalletAbi
{
    [Function("approve", "bool")]
    public sealed class Approve : FunctionMessage
    {
        [Parameter("address", "spender", 1)] public string Spender { get; set; } = "";
        [Parameter("uint256", "value", 2)] public BigInteger Value { get; set; }
    }

    [Function("balanceOf", "uint256")]
    public sealed class BalanceOf : FunctionMessage
    {
        [Parameter("address", "account", 1)] public string Account { get; set; } = "";
    }

    [Function("transfer", "bool")]
    public sealed class Transfer : FunctionMessage
    {
        [Parameter("address", "to", 1)] public string To { get; set; } = "";
        [Parameter("uint256", "value", 2)] public BigInteger Value { get; set; }
    }

    [Function("allowance", "uint256")]
    public sealed class Allowance : FunctionMessage
    {
        [Parameter("address", "owner", 1)] public string Owner { get; set; } = "";
        [Parameter("address", "spender", 2)] public string Spender { get; set; } = "";
    }

    [Function("decimals", "uint8")]
    public sealed class Decimals : FunctionMessage;

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

    [Function("getBalance", "uint256")]
    public sealed class GetBalance : FunctionMessage
    {
        [Parameter("string", "deviceId", 1)] public string DeviceId { get; set; } = "";
    }

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

    [Event("Approval")]
    public sealed class Approval : IEventDTO
    {
        [Parameter("address", "owner", 1, true)] public string Owner { get; set; } = "";
        [Parameter("address", "spender", 2, true)] public string Spender { get; set; } = "";
        [Parameter("uint256", "value", 3, false)] public BigInteger Value { get; set; }
    }

    [Event("FundsAdded")]
    public sealed class FundsAdded : IEventDTO
    {
        [Parameter("string", "deviceId", 1, false)] public string DeviceId { get; set; } = "";
        [Parameter("address", "wallet", 2, true)] public string Wallet { get; set; } = "";
        [Parameter("uint256", "amount", 3, false)] public BigInteger Amount { get; set; }
    }

    [Event("FundsWithdrawn")]
    public sealed class FundsWithdrawn : IEventDTO
    {
        [Parameter("string", "deviceId", 1, false)] public string DeviceId { get; set; } = "";
        [Parameter("address", "wallet", 2, true)] public string Wallet { get; set; } = "";
        [Parameter("uint256", "amount", 3, false)] public BigInteger Amount { get; set; }
    }

    [Event("TaskPayment")]
    public sealed class TaskPayment : IEventDTO
    {
        [Parameter("string", "creatorDeviceId", 1, false)] public string CreatorDeviceId { get; set; } = "";
        [Parameter("string", "solverDeviceId", 2, false)] public string SolverDeviceId { get; set; } = "";
        [Parameter("uint256", "amount", 3, false)] public BigInteger Amount { get; set; }
    }
}
