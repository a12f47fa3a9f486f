using System.CommandLine;
using Parity.Chain;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner stake --amount 10.5</c> and <c>parity-runner unstake --amount 2</c>: move tokens into and out of this
/// device id's stake in the StakeWallet, signed by the keystore's key. The amount is exact decimal text, read into token
/// units with the token's own <c>decimals()</c>; each transaction is waited for until mined and its hash printed.
/// </summary>
public static class StakeCommand
{
    public static Command Create(Option<string?> configPath) => Build("stake", configPath,
        "Stake tokens for this runner's device id (approve when the allowance is short, then addFunds)");

    public static Command CreateUnstake(Option<string?> configPath) => Build("unstake", configPath,
        "Withdraw tokens from this runner's device id's stake back to its wallet (withdrawFunds)");

    private static Command Build(string name, Option<string?> configPath, string description)
    {
        var amount = new Option<string>("--amount")
        {
            Description = "tokens, as exact decimal digits like 10.5 (at most the token's decimals() places)",
            Required = true,
        };
        var keystore = ChainCommand.KeystoreOption();
        var command = new Command(name, description) { amount, keystore };
        command.SetAction(parse => ChainCommand.GuardAsync(name, () =>
            RunAsync(name, parse.GetValue(configPath), parse.GetValue(keystore), parse.GetValue(amount)!)));
        return command;
    }

    private static async Task<int> RunAsync(string name, string? configPath, string? keystorePath, string amountText)
    {
        // Everything that can be refused without the chain is, first: the amount's form, the configuration, the key.
        TokenAmount.CheckForm(amountText, "--amount");
        var options = ChainCommand.Options(configPath, $"parity-runner {name}");
        var deviceId = ChainCommand.DeviceId();
        var key = ChainCommand.Keystore(keystorePath).Load(KeystorePassphrase.Read(confirm: false));
        using var client = new StakeWalletClient(options, key);
        Array.Clear(key);
        var token = await client.ConnectAsync();
        var amount = TokenAmount.Parse(amountText, token.Decimals, "--amount");
        var progress = new ChainCommand.ProgressLines(name);
        var result = name == "stake"
            ? await client.StakeAsync(token, amount, deviceId, progress)
            : await client.UnstakeAsync(token, amount, deviceId, progress);
        foreach (var transaction in result.Transactions)
            Console.WriteLine($"{transaction.Call}: {transaction.Hash} (block {transaction.Block})");
        Console.WriteLine(name == "stake"
            ? $"staked {token.Format(amount)} for device id {deviceId} from wallet {client.Address}"
            : $"withdrew {token.Format(amount)} of device id {deviceId}'s stake to wallet {client.Address}");
        Console.WriteLine($"stake: {token.Format(result.StakeAfter)}; wallet: {token.Format(result.TokensAfter)}");
        return 0;
    }
}
