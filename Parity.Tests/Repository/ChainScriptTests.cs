using System.Diagnostics;
using System.Numerics;
using Nethereum.Web3;
using Parity.Configuration;
using Parity.Tests.Chain;
using Parity.Tests.Support;

namespace Parity.Tests.Repository;

/// <summary>
/// deploy/chain.sh as a user runs it, in an engines directory of its own: start prints the env file of a running chain
/// with the contracts deployed (here with 6 decimals), a second start keeps that chain and prints the same file, and
/// stop stops it, twice without complaint.
/// </summary>
public sealed class ChainScriptTests : IDisposable
{
    private readonly string engines = Directory.CreateTempSubdirectory("parity-chain-").FullName;
    private static string Script => Path.Combine(TestEngines.RepoRoot, "deploy", "chain.sh");

    public void Dispose()
    {
        Run("stop");
        Directory.Delete(engines, recursive: true);
    }

    private (int Code, string Stdout, string Stderr) Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(Script) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["PARITY_ENGINES_DIR"] = engines;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Start_is_idempotent_deploys_the_contracts_and_stop_ends_the_chain()
    {
        var first = Run("start", "--decimals", "6");
        Assert.True(first.Code == 0, first.Stderr);
        var envFile = first.Stdout.Trim();
        Assert.True(File.Exists(envFile), $"start printed '{first.Stdout}'");
        var env = DotEnvFile.Read(envFile);
        var pid = int.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(envFile)!, "anvil.pid")).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(env["PARITY_DEV_KEY_FILE"]!));

        var web3 = new Web3(env["BLOCKCHAIN_RPC"]);
        Assert.Equal(new BigInteger(1337), (await web3.Eth.ChainId.SendRequestAsync()).Value);
        var decimals = await web3.Eth.GetContractQueryHandler<StakeWalletAbi.Decimals>().QueryAsync<byte>(env["BLOCKCHAIN_TOKEN_ADDRESS"], new());
        Assert.Equal(6, decimals);
        var devTokens = await web3.Eth.GetContractQueryHandler<StakeWalletAbi.BalanceOf>()
            .QueryAsync<BigInteger>(env["BLOCKCHAIN_TOKEN_ADDRESS"], new() { Account = env["PARITY_DEV_ADDRESS"]! });
        Assert.Equal(10_000 * BigInteger.Pow(10, 6), devTokens);
        Assert.NotEmpty((await web3.Eth.GetCode.SendRequestAsync(env["BLOCKCHAIN_STAKE_WALLET_ADDRESS"])).Replace("0x", ""));

        var second = Run("start");
        Assert.True(second.Code == 0, second.Stderr);
        Assert.Equal(envFile, second.Stdout.Trim());
        Assert.Equal(env["BLOCKCHAIN_TOKEN_ADDRESS"], DotEnvFile.Read(envFile)["BLOCKCHAIN_TOKEN_ADDRESS"]);
        Assert.True(Alive(pid));

        var stop = Run("stop");
        Assert.True(stop.Code == 0, stop.Stderr);
        Assert.False(Alive(pid));
        Assert.False(File.Exists(envFile));
        Assert.Equal(0, Run("stop").Code);
    }
}
