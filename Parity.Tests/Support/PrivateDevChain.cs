using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Parity.Configuration;
using Parity.Tests.Chain;

namespace Parity.Tests.Support;

/// <summary>
/// A dev chain of one test class's own, started by deploy/chain.sh (--private, a free port, an engines directory of its
/// own) with a token of <see cref="Decimals"/> decimals: tests may stop its mining or fund wallets from the dev account
/// without meeting any other test's transactions. Stopped when the class is done.
/// </summary>
public abstract class PrivateDevChain : IDisposable
{
    private readonly string engines = Directory.CreateTempSubdirectory("parity-devchain-").FullName;
    private readonly int port;

    protected PrivateDevChain(int decimals)
    {
        Decimals = decimals;
        string? failure = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var candidate = TestEngines.FreeTcpPort();
            var (code, stdout, stderr) = Script("start", "--port", candidate.ToString(CultureInfo.InvariantCulture), "--private",
                "--decimals", decimals.ToString(CultureInfo.InvariantCulture));
            if (code == 0)
            {
                port = candidate;
                EnvFile = stdout.Trim();
                break;
            }
            failure = stderr;
            if (code != 3) break;  // 3: another process took the port between the pick and the bind
        }
        if (EnvFile is null) throw new InvalidOperationException($"deploy/chain.sh start failed: {failure}");
        Env = DotEnvFile.Read(EnvFile).ToDictionary(e => e.Key, e => e.Value ?? "");
        ChainId = long.Parse(Env["BLOCKCHAIN_CHAIN_ID"], CultureInfo.InvariantCulture);
        Dev = Wallet(File.ReadAllText(Env["PARITY_DEV_KEY_FILE"]).Trim());
    }

    public int Decimals { get; }
    public string EnvFile { get; } = null!;
    public IReadOnlyDictionary<string, string> Env { get; }
    public long ChainId { get; }
    public string Rpc => Env["BLOCKCHAIN_RPC"];
    public string Token => Env["BLOCKCHAIN_TOKEN_ADDRESS"];
    public string StakeWallet => Env["BLOCKCHAIN_STAKE_WALLET_ADDRESS"];

    /// <summary>The dev account: 1000 ETH and 10,000 tokens, which fund the tests' wallets.</summary>
    public Web3 Dev { get; }

    /// <summary>One token in units.</summary>
    public BigInteger One => BigInteger.Pow(10, Decimals);

    public void Dispose()
    {
        Script("stop", "--port", port.ToString(CultureInfo.InvariantCulture));
        Directory.Delete(engines, recursive: true);
        GC.SuppressFinalize(this);
    }

    public Web3 Wallet(string privateKey) => new(new Account(privateKey, ChainId), Rpc);

    /// <summary>A new wallet (its hex key) holding <paramref name="tokens"/> units and, unless told otherwise, 1 ETH for gas.</summary>
    public async Task<string> NewWalletAsync(BigInteger tokens, bool withGas = true)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var address = new Account(key, ChainId).Address;
        if (withGas)
            await Dev.Eth.GetEtherTransferService().TransferEtherAndWaitForReceiptAsync(address, 1m);
        if (!tokens.IsZero) await SendAsync(Dev, Token, new StakeWalletAbi.Transfer { To = address, Value = tokens });
        return key;
    }

    /// <summary>Stakes <paramref name="units"/> for <paramref name="device"/> from a new wallet (approve, then addFunds).</summary>
    public async Task StakeAsync(string device, BigInteger units)
    {
        var wallet = Wallet(await NewWalletAsync(units));
        await SendAsync(wallet, Token, new StakeWalletAbi.Approve { Spender = StakeWallet, Value = units });
        await SendAsync(wallet, StakeWallet, new StakeWalletAbi.AddFunds { Amount = units, DeviceId = device, Wallet = wallet.TransactionManager.Account.Address });
    }

    /// <summary>The keys of a cluster that pays rewards on this chain, as the StakeWallet's owner.</summary>
    public Dictionary<string, string> PayerSettings(string retryMax) => new()
    {
        ["BLOCKCHAIN_RPC"] = Rpc,
        ["BLOCKCHAIN_CHAIN_ID"] = ChainId.ToString(CultureInfo.InvariantCulture),
        ["BLOCKCHAIN_TOKEN_ADDRESS"] = Token,
        ["BLOCKCHAIN_STAKE_WALLET_ADDRESS"] = StakeWallet,
        ["BLOCKCHAIN_PAYER_KEY_FILE"] = Env["PARITY_OWNER_KEY_FILE"],
        ["BLOCKCHAIN_PAYOUT_RETRY_MAX"] = retryMax,
    };

    public static async Task<TransactionReceipt> SendAsync<T>(Web3 web3, string contract, T message) where T : FunctionMessage, new()
    {
        var receipt = await web3.Eth.GetContractTransactionHandler<T>().SendRequestAndWaitForReceiptAsync(contract, message);
        Assert.Equal(BigInteger.One, receipt.Status.Value);
        return receipt;
    }

    public Task<BigInteger> TokensOfAsync(string address) =>
        Dev.Eth.GetContractQueryHandler<StakeWalletAbi.BalanceOf>().QueryAsync<BigInteger>(Token, new() { Account = address });

    public Task<BigInteger> StakeOfAsync(string deviceId) =>
        Dev.Eth.GetContractQueryHandler<StakeWalletAbi.GetBalance>().QueryAsync<BigInteger>(StakeWallet, new() { DeviceId = deviceId });

    public Task<BigInteger> AllowanceAsync(string owner) =>
        Dev.Eth.GetContractQueryHandler<StakeWalletAbi.Allowance>().QueryAsync<BigInteger>(Token, new() { Owner = owner, Spender = StakeWallet });

    /// <summary>Transactions the address has had mined: a command that sent nothing leaves it as it was.</summary>
    public async Task<BigInteger> NonceAsync(string address) =>
        (await Dev.Eth.Transactions.GetTransactionCount.SendRequestAsync(address, BlockParameter.CreateLatest())).Value;

    public async Task<List<TEvent>> EventsAsync<TEvent>(string contract) where TEvent : IEventDTO, new()
    {
        var events = Dev.Eth.GetEvent<TEvent>(contract);
        var logs = await events.GetAllChangesAsync(events.CreateFilterInput(BlockParameter.CreateEarliest(), BlockParameter.CreateLatest()));
        return logs.Select(l => l.Event).ToList();
    }

    /// <summary>An Anvil control call (evm_setAutomine, evm_mine).</summary>
    public Task RpcAsync(string method, params object[] parameters) => Dev.Client.SendRequestAsync(method, null, parameters);

    public async Task<HexBigInteger> BalanceOfAsync(string address) => await Dev.Eth.GetBalance.SendRequestAsync(address);

    private (int Code, string Stdout, string Stderr) Script(params string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(TestEngines.RepoRoot, "deploy", "chain.sh"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["PARITY_ENGINES_DIR"] = engines;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}

/// <summary>A private dev chain whose token has 18 decimals (the common case).</summary>
public sealed class DevChain18() : PrivateDevChain(18);

/// <summary>A private dev chain whose token has 6 decimals (like USDC): nothing may assume 18.</summary>
public sealed class DevChain6() : PrivateDevChain(6);
