using System.Numerics;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.Contracts;
using Nethereum.Util;
using Parity.Chain;

namespace Parity.Tests.Chain;

/// <summary>
/// Revert data of deploy/contracts' custom errors, encoded here from each error's Solidity signature (independently of
/// the decoder's own attributes), read back in plain words with amounts in the token's decimals. WalletMismatch from a
/// real chain is in <see cref="StakeCommandTests"/>.
/// </summary>
public class ContractErrorsTests
{
    private static readonly ChainToken Usdc = new("0x5FbDB2315678afecb367f032d93F642f64180aa3", "PRTY", 6);

    private static SmartContractCustomErrorRevertException Revert(string signature, object? parameters)
    {
        var selector = Sha3Keccack.Current.CalculateHash(signature)[..8];
        var encoded = parameters is null ? [] : new ParametersEncoder().EncodeParametersFromTypeAttributes(parameters.GetType(), parameters);
        return new SmartContractCustomErrorRevertException("0x" + selector + Convert.ToHexStringLower(encoded));
    }

    [Fact]
    public void InsufficientStake_is_said_with_amounts_in_the_tokens_decimals()
    {
        var error = Revert("InsufficientStake(string,uint256,uint256)",
            new StakeWalletContract.InsufficientStakeError { DeviceId = "dev-7", Balance = 1_500_000, Needed = 2_000_001 });

        Assert.Equal("device id 'dev-7' has 1.5 PRTY staked, less than 2.000001 PRTY (InsufficientStake)", ContractErrors.Describe(error, Usdc));
    }

    [Fact]
    public void The_tokens_own_errors_are_decoded_too()
    {
        var allowance = Revert("InsufficientAllowance(address,uint256,uint256)",
            new Erc20Contract.InsufficientAllowanceError { Spender = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", Allowance = 0, Needed = 10 });
        Assert.Contains("may move 0 PRTY of this wallet's tokens, less than 0.00001 PRTY", ContractErrors.Describe(allowance, Usdc));

        var balance = Revert("InsufficientBalance(address,uint256,uint256)",
            new Erc20Contract.InsufficientBalanceError { Account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", Balance = 3_000_000, Needed = new BigInteger(4_000_000) });
        Assert.Contains("holds 3 PRTY, less than 4 PRTY (InsufficientBalance)", ContractErrors.Describe(balance, Usdc));
    }

    [Theory]
    [InlineData("ZeroAmount()", "the amount is zero (ZeroAmount)")]
    [InlineData("EmptyDeviceId()", "the device id is empty (EmptyDeviceId)")]
    [InlineData("TokenTransferFailed()", "(TokenTransferFailed)")]
    [InlineData("ZeroAddress()", "(ZeroAddress)")]
    public void Errors_without_parameters_are_named(string signature, string words) =>
        Assert.Contains(words, ContractErrors.Describe(Revert(signature, null), Usdc));

    [Fact]
    public void UnknownDevice_and_NotOwner_name_what_they_carry()
    {
        Assert.Equal("nothing was ever staked for device id 'ghost' (UnknownDevice)",
            ContractErrors.Describe(Revert("UnknownDevice(string)", new StakeWalletContract.UnknownDeviceError { DeviceId = "ghost" }), Usdc));
        Assert.Contains("not 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 (NotOwner)", ContractErrors.Describe(
            Revert("NotOwner(address)", new StakeWalletContract.NotOwnerError { Caller = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }), Usdc), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_error_this_runner_does_not_know_is_said_with_its_selector_and_a_string_revert_with_its_reason()
    {
        Assert.Equal("the contract refused with an error this runner does not know (selector 0xdeadbeef)",
            ContractErrors.Describe(new SmartContractCustomErrorRevertException("0xdeadbeef"), Usdc));
        Assert.Equal("the contract refused: paused", ContractErrors.Describe(new SmartContractRevertException("paused", "0x08c379a0"), Usdc));
        Assert.Null(ContractErrors.Describe(new InvalidOperationException("not a revert"), Usdc));
        // Wrapped by another exception, it is still found.
        Assert.Contains("(ZeroAmount)", ContractErrors.Describe(new InvalidOperationException("outer", Revert("ZeroAmount()", null)), Usdc));
    }
}
