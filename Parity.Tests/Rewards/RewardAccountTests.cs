using Parity.Chain;
using Parity.Tests.Support;

namespace Parity.Tests.Rewards;

/// <summary>
/// The ledger's shape on an in-process cluster on the real Redis, without a chain: a runner's account keeps exact
/// totals over all of its rewards and only its newest <see cref="IRewardAccountGrain.Recent"/> entries (every reward
/// stays readable from its own grain); a posting sent again after a crash counts once; a report over all runners sums
/// their accounts.
/// </summary>
public sealed class RewardAccountTests : IAsyncLifetime
{
    private ParityTestCluster cluster = null!;
    private readonly DateTimeOffset start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync() => cluster = await ParityTestCluster.StartAsync(silos: 2);

    public Task DisposeAsync() => cluster.DisposeAsync().AsTask();

    private IRewardGrain Reward(string taskId) => cluster.Client.GetGrain<IRewardGrain>(taskId);
    private IRewardAccountGrain Account(string runner) => cluster.Client.GetGrain<IRewardAccountGrain>(runner);

    private RewardEntry Entry(string taskId, string runner, decimal tokens, int second) => new()
    {
        TaskId = taskId, Runner = runner, Tokens = tokens, Basis = "task", RecordedAt = start.AddSeconds(second),
    };

    [Fact]
    public async Task An_account_keeps_exact_totals_over_every_reward_and_only_its_newest_entries()
    {
        var runner = $"busy-{Guid.NewGuid():N}";
        const int count = IRewardAccountGrain.Recent + 50;
        var expected = 0m;
        for (var i = 0; i < count; i++)
        {
            // Amounts with 8 places, each different, so a reward counted twice or lost changes the total.
            var tokens = 0.00000001m * (i + 1) + 1m;
            expected += tokens;
            Assert.True(await Reward($"busy-{runner}-{i:D3}").Record(Entry($"busy-{runner}-{i:D3}", runner, tokens, i)));
        }

        var report = await Account(runner).Report(IRewardAccountGrain.Recent);
        Assert.Equal((count, expected, expected, 0m, 0m), (report.Count, report.Earned, report.Unpaid, report.Pending, report.Paid));
        Assert.Equal(IRewardAccountGrain.Recent, report.Entries.Count);
        // The newest first: the last recorded is first, and the oldest kept is the 50th.
        Assert.Equal(Enumerable.Range(50, IRewardAccountGrain.Recent).Reverse().Select(i => $"busy-{runner}-{i:D3}"), report.Entries.Select(e => e.TaskId));
        // An entry that left the account is still its reward's.
        var oldest = await Reward($"busy-{runner}-000").Get();
        Assert.Equal((1.00000001m, RewardStatus.Unpaid, RewardGrain.NotConfigured), (oldest!.Tokens, oldest.Status, oldest.Problem));
    }

    [Fact]
    public async Task A_posting_the_account_applied_before_its_reward_grain_stored_it_counts_once()
    {
        var runner = $"crash-{Guid.NewGuid():N}";
        var entry = Entry($"crash-{runner}", runner, 2.5m, 0);
        // What a reward grain that died after the account applied its first posting, and before storing that it had,
        // leaves: the account holds the posting, the reward grain does not know it.
        await Account(runner).Post(new RewardPosting(entry with { Status = RewardStatus.Unpaid, Problem = RewardGrain.NotConfigured }, 1, null));

        Assert.True(await Reward(entry.TaskId).Record(entry));
        Assert.False(await Reward(entry.TaskId).Record(entry));
        var report = await Account(runner).Report(10);
        Assert.Equal((1, 2.5m, 2.5m), (report.Count, report.Earned, report.Unpaid));
        Assert.Equal(entry.TaskId, Assert.Single(report.Entries).TaskId);

        // A later change of the same reward moves its tokens once, from where the account counted them.
        await Account(runner).Post(new RewardPosting(entry with { Status = RewardStatus.Paid, TxHash = "0xab" }, 2, RewardStatus.Unpaid));
        await Account(runner).Post(new RewardPosting(entry with { Status = RewardStatus.Paid, TxHash = "0xab" }, 2, RewardStatus.Unpaid));
        report = await Account(runner).Report(10);
        Assert.Equal((1, 2.5m, 0m, 2.5m), (report.Count, report.Earned, report.Unpaid, report.Paid));
        Assert.Equal("0xab", Assert.Single(report.Entries).TxHash);
    }

    [Fact]
    public async Task A_report_over_all_runners_sums_their_accounts_and_merges_their_newest_entries()
    {
        var (a, b) = ($"a-{Guid.NewGuid():N}", $"b-{Guid.NewGuid():N}");
        await Reward($"{a}-1").Record(Entry($"{a}-1", a, 1m, 1));
        await Reward($"{b}-1").Record(Entry($"{b}-1", b, 0.5m, 2));
        await Reward($"{a}-2").Record(Entry($"{a}-2", a, 0.25m, 3));

        var all = await cluster.Client.GetGrain<IRewardLedgerGrain>(0).Report(null, 2);
        Assert.Equal((3, 1.75m, 1.75m, false), (all.Count, all.Earned, all.Unpaid, all.Payouts));
        Assert.Equal([$"{a}-2", $"{b}-1"], all.Entries.Select(e => e.TaskId));
        var one = await cluster.Client.GetGrain<IRewardLedgerGrain>(0).Report(b, 10);
        Assert.Equal((b, 1, 0.5m), (one.Runner, one.Count, one.Earned));
        // A runner with no account: zeros, no entries.
        var none = await cluster.Client.GetGrain<IRewardLedgerGrain>(0).Report("nobody", 10);
        Assert.Equal((0, 0m), (none.Count, none.Earned));
        Assert.Empty(none.Entries);
        // A reward sent to another task's grain is refused, naming both.
        var wrong = await Assert.ThrowsAsync<ArgumentException>(() => Reward($"{a}-3").Record(Entry($"{a}-4", a, 1m, 4)));
        Assert.Contains($"the reward of task {a}-4 was sent to the reward grain of {a}-3", wrong.Message);
    }
}
