using System.Globalization;
using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using Parity.Chain;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Chain;
using Parity.Tests.Support;

namespace Parity.Tests.Rewards;

/// <summary>
/// An in-process cluster on the real Redis whose payer is the StakeWallet's owner on a dev chain of the class's own
/// (deploy/chain.sh, the product's contracts), with a creator device and every runner staked; what the payout tests share.
/// </summary>
public abstract class RewardChainCluster(PrivateDevChain chain, int confirmations) : IAsyncLifetime
{
    protected PrivateDevChain Chain => chain;
    // 1.234567 tokens: 6 places, so exact for both tokens; its units are worked out by hand below.
    protected const decimal Reward = 1.234567m;
    protected ParityTestCluster cluster = null!;
    protected readonly string creator = $"creator-{Guid.NewGuid():N}";

    protected BigInteger RewardUnits => BigInteger.Parse("1234567" + new string('0', chain.Decimals - 6), CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        var settings = chain.PayerSettings(retryMax: "2s");
        settings["BLOCKCHAIN_CONFIRMATIONS"] = confirmations.ToString(CultureInfo.InvariantCulture);
        cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: _ => settings.ToDictionary(p => p.Key, p => (string?)p.Value));
        // The creator's stake pays; every runner (its name is its device id) has staked, so it can be paid.
        await chain.StakeAsync(creator, chain.One * 100);
        foreach (var runner in await cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners())
            if (await chain.StakeOfAsync(runner.Name) == 0) await chain.StakeAsync(runner.Name, BigInteger.One);
    }

    public async Task DisposeAsync()
    {
        await chain.RpcAsync("evm_setAutomine", true);
        await cluster.DisposeAsync();
    }

    protected IRewardLedgerGrain Ledger => cluster.Client.GetGrain<IRewardLedgerGrain>(0);
    protected IRewardPayerGrain Payer => cluster.Client.GetGrain<IRewardPayerGrain>(IRewardPayerGrain.Key);

    protected async Task<ParityTask> RunAsync(string id, string? creatorDevice)
    {
        var task = ParityTestCluster.Command($"echo {id}", id: id) with { Reward = Reward, CreatorDeviceId = creatorDevice };
        Assert.Equal(SubmitOutcome.Accepted, await cluster.TaskGrain(id).Submit(task));
        var finished = await cluster.WaitFinished(id);
        Assert.Equal(TaskState.Completed, finished.Status);
        return finished;
    }

    protected Task<RewardEntry> EntryAsync(string id, Func<RewardEntry, bool> condition, string what) =>
        Eventually.Get(async () => await cluster.Client.GetGrain<IRewardGrain>(id).Get() is { } e && condition(e) ? e : null,
            TimeSpan.FromSeconds(60), $"reward of {id}: {what}");

    /// <summary>The contract's TaskPayment events paid by this test's creator, with their transaction hashes.</summary>
    protected async Task<List<(string Hash, StakeWalletAbi.TaskPayment Payment)>> PaymentsAsync(string? by = null)
    {
        by ??= creator;
        var events = chain.Dev.Eth.GetEvent<StakeWalletAbi.TaskPayment>(chain.StakeWallet);
        var logs = await events.GetAllChangesAsync(events.CreateFilterInput(BlockParameter.CreateEarliest(), BlockParameter.CreateLatest()));
        return logs.Where(l => l.Event.CreatorDeviceId == by).Select(l => (l.Log.TransactionHash, l.Event)).ToList();
    }

    protected async Task A_payment_counts_as_paid_only_after_its_confirmations()
    {
        var id = $"confirm-{Guid.NewGuid():N}";
        await RunAsync(id, creator);
        // Mined in block B (the dev chain mines each transaction at once), one confirmation of the two needed.
        var mined = await EntryAsync(id, e => e is { Status: RewardStatus.Sending, Block: not null }, "mined");
        var receipt = await chain.Dev.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(mined.TxHash);
        Assert.Equal((long)receipt.BlockNumber.Value, mined.Block);
        Assert.Equal(RewardStatus.Sending, (await Ledger.Report(null, 10)).Entries.Single(e => e.TaskId == id).Status);
        await chain.RpcAsync("evm_mine");
        var paid = await EntryAsync(id, e => e.Status == RewardStatus.Paid, "paid at the second block");
        Assert.Equal((mined.TxHash, mined.Block), (paid.TxHash, paid.Block));
        Assert.Single(await PaymentsAsync());
    }

}

/// <summary>
/// Payouts on a dev chain of the class's own (deploy/chain.sh, the product's StakeWallet), from an in-process cluster
/// on the real Redis whose payer is the StakeWallet's owner: each completed task is paid once, checked against the
/// contract's TaskPayment events and the stakes, with an 18- and a 6-decimal token; and a payout interrupted by the
/// death of the payer's silo, while its transaction was pending or after it was dropped, is paid once, with the
/// hash recorded before it was sent; a refused payout waits with its reason and is paid once the creator has staked.
/// </summary>
public abstract class RewardPayoutTests(PrivateDevChain chain) : RewardChainCluster(chain, confirmations: 1)
{
    [Fact]
    public async Task Each_completed_task_is_paid_once_under_repeated_results()
    {
        var stakeBefore = await Chain.StakeOfAsync(creator);
        var ids = Enumerable.Range(0, 4).Select(i => $"pay-{Guid.NewGuid():N}-{i}").ToList();
        var tasks = new List<ParityTask>();
        foreach (var id in ids) tasks.Add(await RunAsync(id, creator));
        var unpayable = await RunAsync($"nocreator-{Guid.NewGuid():N}", null);

        // One task's result reported 100 more times, and its reward recorded 100 more times, while payouts run.
        var first = await EntryAsync(ids[0], _ => true, "recorded");
        var result = (await cluster.TaskGrain(ids[0]).GetResult())!;
        for (var i = 0; i < 100; i++)
        {
            await cluster.TaskGrain(ids[0]).Complete(result.Attempt, result);
            Assert.False(await cluster.Client.GetGrain<IRewardGrain>(ids[0]).Record(first with { Status = RewardStatus.Pending, TxHash = null }));
        }

        var paid = new List<RewardEntry>();
        foreach (var id in ids) paid.Add(await EntryAsync(id, e => e.Status == RewardStatus.Paid, "paid"));
        var payments = await PaymentsAsync();
        Assert.Equal(ids.Count, payments.Count);
        Assert.Equal(paid.Select(e => e.TxHash!).Order(), payments.Select(p => p.Hash).Order());
        foreach (var (entry, task) in paid.Zip(tasks))
        {
            var payment = payments.Single(p => p.Hash == entry.TxHash).Payment;
            Assert.Equal((task.Runner, RewardUnits), (payment.SolverDeviceId, payment.Amount));
            Assert.Equal(RewardUnits.ToString(CultureInfo.InvariantCulture), entry.Units);
            var receipt = await Chain.Dev.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(entry.TxHash);
            Assert.Equal((BigInteger.One, (long)receipt.BlockNumber.Value), (receipt.Status.Value, entry.Block!.Value));
        }
        Assert.Equal(stakeBefore - RewardUnits * ids.Count, await Chain.StakeOfAsync(creator));

        var report = await Ledger.Report(null, 100);
        Assert.True(report.Payouts);
        Assert.Equal(Reward * ids.Count, report.Paid);
        var never = report.Entries.Single(e => e.TaskId == unpayable.Id);
        Assert.Equal((RewardStatus.Unpaid, RewardGrain.NoCreatorDevice), (never.Status, never.Problem));
        Assert.Equal(Reward, report.Unpaid);
    }

    [Fact]
    public async Task A_refused_payout_waits_with_the_reason_and_is_paid_once_when_the_creator_has_staked()
    {
        var late = $"late-{Guid.NewGuid():N}";
        var id = $"refused-{Guid.NewGuid():N}";
        await RunAsync(id, late);
        var refused = await EntryAsync(id, e => e is { Status: RewardStatus.Pending, Problem: not null }, "refused");
        Assert.Equal($"transferPayment refused: nothing was ever staked for device id '{late}' (UnknownDevice)", refused.Problem);
        Assert.Null(refused.TxHash);
        Assert.Empty(await PaymentsAsync(late));

        await Chain.StakeAsync(late, Chain.One * 10);
        var paid = await EntryAsync(id, e => e.Status == RewardStatus.Paid, "paid once the creator staked");
        Assert.True(paid.Attempts >= 2, $"{paid.Attempts} attempts");
        var payment = Assert.Single(await PaymentsAsync(late));
        Assert.Equal((paid.TxHash, RewardUnits), (payment.Hash, payment.Payment.Amount));
        Assert.Equal(Chain.One * 10 - RewardUnits, await Chain.StakeOfAsync(late));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_payout_interrupted_by_the_death_of_the_payers_silo_is_paid_once_with_the_hash_recorded_before_sending(bool dropped)
    {
        // Nothing is mined until the payer's silo is dead: the payment is recorded as sending, and sent, not mined.
        await Chain.RpcAsync("evm_setAutomine", false);
        var id = $"crash-{Guid.NewGuid():N}";
        await RunAsync(id, creator);
        var sending = await EntryAsync(id, e => e.Status == RewardStatus.Sending, "sending");
        Assert.NotNull(sending.TxHash);
        await Eventually.True(async () => await Chain.Dev.Eth.Transactions.GetTransactionByHash.SendRequestAsync(sending.TxHash) is not null,
            TimeSpan.FromSeconds(30), "the payment in the chain's pool");

        var target = Payer.GetGrainId();
        var host = (await cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics()).Single(s => s.GrainId == target).SiloAddress;
        await cluster.Cluster.KillSiloAsync(cluster.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)));
        // dropped: the node forgets it, as if the silo had died after recording it and before sending it; else it is
        // mined while no payer runs, and the next activation finds it among the TaskPayment events.
        if (dropped)
        {
            await Chain.RpcAsync("anvil_dropTransaction", sending.TxHash!);
            Assert.Null(await Chain.Dev.Eth.Transactions.GetTransactionByHash.SendRequestAsync(sending.TxHash));
        }
        await Chain.RpcAsync("evm_setAutomine", true);
        if (!dropped)
        {
            await Chain.RpcAsync("evm_mine");
            Assert.NotNull(await Chain.Dev.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(sending.TxHash));
        }

        var paid = await EntryAsync(id, e => e.Status == RewardStatus.Paid, "paid after the payer's silo died");
        Assert.Equal((sending.TxHash, sending.Nonce), (paid.TxHash, paid.Nonce));
        var payments = await PaymentsAsync();
        var payment = Assert.Single(payments);
        Assert.Equal((sending.TxHash, RewardUnits), (payment.Hash, payment.Payment.Amount));
        // More blocks change nothing: it stays paid once.
        await Chain.RpcAsync("evm_mine");
        await Payer.Wake();
        Assert.Single(await PaymentsAsync());
        Assert.Equal(RewardStatus.Paid, (await Ledger.Report(null, 100)).Entries.Single(e => e.TaskId == id).Status);
    }
}

/// <summary>Payouts with an 18-decimal token.</summary>
public sealed class RewardPayoutTests18(DevChain18 chain) : RewardPayoutTests(chain), IClassFixture<DevChain18>;

/// <summary>BLOCKCHAIN_CONFIRMATIONS=2 (its own dev chain and cluster): a payment is paid at its second block, not its first.</summary>
public sealed class RewardConfirmationTests(DevChain18 chain) : RewardChainCluster(chain, confirmations: 2), IClassFixture<DevChain18>
{
    [Fact]
    public Task Paid_after_two_blocks() => A_payment_counts_as_paid_only_after_its_confirmations();
}

/// <summary>Payouts with a 6-decimal token.</summary>
public sealed class RewardPayoutTests6(DevChain6 chain) : RewardPayoutTests(chain), IClassFixture<DevChain6>;
