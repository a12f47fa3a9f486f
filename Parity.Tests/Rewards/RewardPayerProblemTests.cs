using Parity.Chain;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Rewards;

/// <summary>
/// A cluster whose payer cannot pay (its key file is missing, then holds no key): rewards are recorded and wait as
/// pending, nothing is sent, and the ledger's report says why in words that name the key and never repeat a key.
/// </summary>
public sealed class RewardPayerProblemTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("parity-payer-").FullName;
    private ParityTestCluster cluster = null!;
    private string KeyFile => Path.Combine(directory, "payer.key");

    public async Task InitializeAsync() =>
        cluster = await ParityTestCluster.StartAsync(silos: 1, overrides: _ => new Dictionary<string, string?>
        {
            // A chain that nothing listens on: the key file is read, and refused, before the chain is asked anything.
            ["BLOCKCHAIN_RPC"] = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}",
            ["BLOCKCHAIN_CHAIN_ID"] = "1337",
            ["BLOCKCHAIN_TOKEN_ADDRESS"] = "0x5fbdb2315678afecb367f032d93f642f64180aa3",
            ["BLOCKCHAIN_STAKE_WALLET_ADDRESS"] = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
            ["BLOCKCHAIN_PAYER_KEY_FILE"] = KeyFile,
            ["BLOCKCHAIN_PAYOUT_RETRY_MAX"] = "1s",
        });

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Payouts_wait_and_say_why_while_the_payer_cannot_pay()
    {
        var ledger = cluster.Client.GetGrain<IRewardLedgerGrain>(0);
        var task = ParityTestCluster.Command("echo waits", id: "payer-missing") with { Reward = 3m, CreatorDeviceId = "creator-1" };
        Assert.Equal(SubmitOutcome.Accepted, await cluster.TaskGrain(task.Id).Submit(task));
        await cluster.WaitFinished(task.Id);

        var missing = await Eventually.Get(async () => await ledger.Report(null, 10) is { PayerProblem: not null } r ? r : null,
            TimeSpan.FromSeconds(30), "the payer's problem reported");
        Assert.StartsWith($"BLOCKCHAIN_PAYER_KEY_FILE ({KeyFile}) cannot be read", missing.PayerProblem);
        var entry = Assert.Single(missing.Entries);
        Assert.Equal((RewardStatus.Pending, (string?)null, 3m, 1), (entry.Status, entry.TxHash, missing.Pending, missing.Owed));

        // A file that holds something else than a key: refused, and what it holds is never repeated.
        const string notAKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b7869zz";
        await File.WriteAllTextAsync(KeyFile, notAKey);
        var malformed = await Eventually.Get(async () => await ledger.Report(null, 10) is { PayerProblem: { } p } r && !p.Contains("cannot be read") ? r : null,
            TimeSpan.FromSeconds(30), "the malformed key reported");
        Assert.Contains($"BLOCKCHAIN_PAYER_KEY_FILE ({KeyFile}) is not a private key", malformed.PayerProblem);
        Assert.DoesNotContain("59c6995e", malformed.PayerProblem);
        Assert.Equal(RewardStatus.Pending, Assert.Single(malformed.Entries).Status);
    }

    [Fact]
    public async Task A_pending_reward_outlives_its_tasks_expiry_until_it_is_final()
    {
        var task = ParityTestCluster.Command("echo owed", id: "payer-owed") with { Reward = 2m, CreatorDeviceId = "creator-2" };
        Assert.Equal(SubmitOutcome.Accepted, await cluster.TaskGrain(task.Id).Submit(task));
        var finished = await cluster.WaitFinished(task.Id);
        var reward = cluster.Client.GetGrain<IRewardGrain>(task.Id);
        await Eventually.True(async () => await reward.Get() is { Status: RewardStatus.Pending }, TimeSpan.FromSeconds(30), "the reward pending");

        // Its task expires while the payer still owes it: the record stays, since it is not final.
        await reward.Expire();
        Assert.Equal(RewardStatus.Pending, (await reward.Get())!.Status);

        // It becomes final (as when the payer finds it unpayable): then it goes, and its runner's account keeps it.
        await reward.Progress(new RewardProgress { Status = RewardStatus.Unpaid, Problem = "not paid: test", Attempts = 1 });
        Assert.Null(await reward.Get());
        var account = await cluster.Client.GetGrain<IRewardAccountGrain>(finished.Runner!).Report(10);
        Assert.Equal((2m, 0m, 1), (account.Unpaid, account.Pending, account.Count));
        Assert.Equal("not paid: test", Assert.Single(account.Entries).Problem);
        // News the payer sends again about it changes nothing and fails nothing.
        await reward.Progress(new RewardProgress { Status = RewardStatus.Paid, TxHash = "0x01" });
        Assert.Null(await reward.Get());
        Assert.Equal(0m, (await cluster.Client.GetGrain<IRewardAccountGrain>(finished.Runner!).Report(10)).Paid);
    }
}
