using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Parity.Chain;

/// <summary>The ERC-20 calls staking uses, and deploy/contracts/ParityToken.sol's custom errors, typed for Nethereum.</summary>
public static class Erc20Contract
{
    [Function("decimals", "uint8")]
    public sealed class Decimals : FunctionMessage;

    [Function("symbol", "string")]
    public sealed class Symbol : FunctionMessage;

    [Function("balanceOf", "uint256")]
    public sealed class BalanceOf : FunctionMessage
    {
        [Parameter("address", "account", 1)] public string Account { get; set; } = "";
    }

    [Function("allowance", "uint256")]
    public sealed class Allowance : FunctionMessage
    {
        [Parameter("address", "owner", 1)] public string Owner { get; set; } = "";
        [Parameter("address", "spender", 2)] public string Spender { get; set; } = "";
    }

    [Function("approve", "bool")]
    public sealed class Approve : FunctionMessage
    {
        [Parameter("address", "spender", 1)] public string Spender { get; set; } = "";
        [Parameter("uint256", "value", 2)] public BigInteger Value { get; set; }
    }

    [Error("InsufficientBalance")]
    public sealed class InsufficientBalanceError
    {
        [Parameter("address", "account", 1)] public string Account { get; set; } = "";
        [Parameter("uint256", "balance", 2)] public BigInteger Balance { get; set; }
        [Parameter("uint256", "needed", 3)] public BigInteger Needed { get; set; }
    }

    [Error("InsufficientAllowance")]
    public sealed class InsufficientAllowanceError
    {
        [Parameter("address", "spender", 1)] public string Spender { get; set; } = "";
        [Parameter("uint256", "allowance", 2)] public BigInteger Allowance { get; set; }
        [Parameter("uint256", "needed", 3)] public BigInteger Needed { get; set; }
    }

    [Error("ZeroAddress")]
    public sealed class ZeroAddressError;
}
