using Nethereum.ABI.FunctionEncoding;
using Nethereum.Contracts;

namespace Parity.Chain;

/// <summary>
/// A contract's refusal in plain words: the custom errors of deploy/contracts (ParityToken, StakeWallet) decoded from the
/// revert data, with amounts in the token's own decimals, and the error's name after them for searching.
/// </summary>
public static class ContractErrors
{
    /// <summary>The refusal <paramref name="error"/> carries, or null when it is no contract refusal.</summary>
    public static string? Describe(Exception error, ChainToken token) => error switch
    {
        SmartContractCustomErrorRevertException custom => Custom(custom, token),
        SmartContractRevertException revert => $"the contract refused: {revert.RevertMessage}",
        _ => error.InnerException is { } inner ? Describe(inner, token) : null,
    };

    private static string Custom(SmartContractCustomErrorRevertException e, ChainToken token)
    {
        if (e.IsCustomErrorFor<StakeWalletContract.WalletMismatchError>())
        {
            var d = e.DecodeError<StakeWalletContract.WalletMismatchError>();
            return $"device id '{d.DeviceId}' is staked by wallet {d.Expected}, not by this wallet {d.Caller}: only {d.Expected} may add to or withdraw its stake (WalletMismatch)";
        }
        if (e.IsCustomErrorFor<StakeWalletContract.InsufficientStakeError>())
        {
            var d = e.DecodeError<StakeWalletContract.InsufficientStakeError>();
            return $"device id '{d.DeviceId}' has {token.Format(d.Balance)} staked, less than {token.Format(d.Needed)} (InsufficientStake)";
        }
        if (e.IsCustomErrorFor<StakeWalletContract.UnknownDeviceError>())
            return $"nothing was ever staked for device id '{e.DecodeError<StakeWalletContract.UnknownDeviceError>().DeviceId}' (UnknownDevice)";
        if (e.IsCustomErrorFor<StakeWalletContract.ZeroAmountError>()) return "the amount is zero (ZeroAmount)";
        if (e.IsCustomErrorFor<StakeWalletContract.EmptyDeviceIdError>()) return "the device id is empty (EmptyDeviceId)";
        if (e.IsCustomErrorFor<StakeWalletContract.TokenTransferFailedError>()) return "the token refused to move the tokens (TokenTransferFailed)";
        if (e.IsCustomErrorFor<StakeWalletContract.NotOwnerError>())
            return $"only the StakeWallet's owner may do this, not {e.DecodeError<StakeWalletContract.NotOwnerError>().Caller} (NotOwner)";
        if (e.IsCustomErrorFor<Erc20Contract.InsufficientBalanceError>())
        {
            var d = e.DecodeError<Erc20Contract.InsufficientBalanceError>();
            return $"wallet {d.Account} holds {token.Format(d.Balance)}, less than {token.Format(d.Needed)} (InsufficientBalance)";
        }
        if (e.IsCustomErrorFor<Erc20Contract.InsufficientAllowanceError>())
        {
            var d = e.DecodeError<Erc20Contract.InsufficientAllowanceError>();
            return $"the StakeWallet may move {token.Format(d.Allowance)} of this wallet's tokens, less than {token.Format(d.Needed)}: approve it first (InsufficientAllowance)";
        }
        if (e.IsCustomErrorFor<Erc20Contract.ZeroAddressError>()) return "an address is zero (ZeroAddress)";
        var data = e.ExceptionEncodedData ?? "";
        return $"the contract refused with an error this runner does not know (selector {(data.Length >= 10 ? data[..10] : data)})";
    }
}
