using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Chain;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner balance [--json]</c>: the chain, this runner's wallet (the keystore's address) with its native and
/// token balances, and the stake of its device id, every amount exact in the token's own decimals. Reads only: the
/// keystore's address is read without its passphrase, as the format allows.
/// </summary>
public static class BalanceCommand
{
    public static Command Create(Option<string?> configPath)
    {
        var json = new Option<bool>("--json") { Description = "print one JSON object (amounts as exact decimal strings, and in units)" };
        var keystore = ChainCommand.KeystoreOption();
        var balance = new Command("balance", "This runner's wallet and stake on the chain: native and token balances, the device id's stake")
        {
            json, keystore,
        };
        balance.SetAction(parse => ChainCommand.GuardAsync("balance", () =>
            RunAsync(parse.GetValue(configPath), parse.GetValue(keystore), parse.GetValue(json))));
        return balance;
    }

    private static async Task<int> RunAsync(string? configPath, string? keystorePath, bool json)
    {
        var options = ChainCommand.Options(configPath, "parity-runner balance");
        var deviceId = ChainCommand.DeviceId();
        var address = Address(ChainCommand.Keystore(keystorePath));
        using var client = new StakeWalletClient(options);
        var token = await client.ConnectAsync();
        var balance = await client.BalanceAsync(token, address, deviceId);
        if (json) Console.WriteLine(Json(balance).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else foreach (var line in Lines(balance)) Console.WriteLine(line);
        return 0;
    }

    /// <summary>The keystore's address field; a keystore without one (the field is optional in v3) is opened to derive it.</summary>
    private static string Address(RunnerKeystore keystore)
    {
        if (!keystore.Exists) throw new IdentityException($"no keystore at {keystore.Path}: run 'parity-runner auth' first");
        if (keystore.StoredAddress() is { Length: > 0 } stored)
            return Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(stored.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? stored : "0x" + stored);
        var key = keystore.Load(KeystorePassphrase.Read(confirm: false));
        try
        {
            return RunnerKeystore.AddressOf(key);
        }
        finally
        {
            Array.Clear(key);
        }
    }

    public static IEnumerable<string> Lines(ChainBalance balance)
    {
        var token = balance.Token;
        yield return $"network:   {balance.Network} (chain id {balance.ChainId})";
        yield return $"address:   {balance.Address}";
        yield return $"device id: {balance.DeviceId}";
        yield return $"native:    {TokenAmount.Format(balance.Native, NativeDecimals)} (the chain's own coin, which pays gas)";
        yield return $"tokens:    {token.Format(balance.Tokens)} (token {token.Address}, {token.Decimals} decimals)";
        var owner = balance.StakeOwner switch
        {
            null => ", nothing staked for this device id yet",
            var wallet when !string.Equals(wallet, balance.Address, StringComparison.OrdinalIgnoreCase) =>
                $", staked by wallet {wallet}: not this one, which can neither add to nor withdraw it",
            _ => "",
        };
        yield return $"stake:     {token.Format(balance.Stake)} (StakeWallet {balance.StakeWallet}{owner})";
    }

    public static JsonObject Json(ChainBalance balance) => new()
    {
        ["chain_id"] = balance.ChainId,
        ["network"] = balance.Network,
        ["address"] = balance.Address,
        ["device_id"] = balance.DeviceId,
        ["native"] = Amount(balance.Native, NativeDecimals),
        ["token"] = new JsonObject
        {
            ["address"] = balance.Token.Address,
            ["symbol"] = balance.Token.Symbol,
            ["decimals"] = balance.Token.Decimals,
            ["balance"] = Amount(balance.Tokens, balance.Token.Decimals),
        },
        ["stake"] = new JsonObject
        {
            ["stake_wallet"] = balance.StakeWallet,
            ["staked_by"] = balance.StakeOwner,
            ["balance"] = Amount(balance.Stake, balance.Token.Decimals),
        },
    };

    // Both as strings: a JSON number is a double to most readers, and a double cannot hold 2^256 units exactly.
    private static JsonObject Amount(BigInteger units, int decimals) => new()
    {
        ["amount"] = TokenAmount.Format(units, decimals),
        ["units"] = units.ToString(CultureInfo.InvariantCulture),
    };

    // Every EVM chain counts its own coin in wei, 10^18 to the coin.
    private const int NativeDecimals = 18;
}
