using System.Globalization;
using System.Net;
using System.Text.Json;
using Parity.Chain;
using Parity.Json;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Rewards;

/// <summary>
/// The reward ledger on an in-process cluster with its state in the real Redis, without a chain (the embedded
/// default): every completed task is recorded once, unpaid, whatever is reported again; failed tasks earn nothing;
/// the ledger outlives the silo that held it; the gateway route and <c>parity-runner rewards</c> show it.
/// </summary>
public sealed class RewardLedgerTests : IAsyncLifetime
{
    private ParityTestCluster cluster = null!;
    private GatewayHost gateway = null!;
    private readonly int port = TestEngines.FreeTcpPort();

    public async Task InitializeAsync()
    {
        cluster = await ParityTestCluster.StartAsync(silos: 2);
        gateway = await GatewayHost.StartAsync(cluster.Client, port: port);
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await cluster.DisposeAsync();
    }

    private IRewardLedgerGrain Ledger => cluster.Client.GetGrain<IRewardLedgerGrain>(0);
    private IRewardGrain Reward(string taskId) => cluster.Client.GetGrain<IRewardGrain>(taskId);

    private async Task<ParityTask> RunAsync(ParityTask task)
    {
        Assert.Equal(SubmitOutcome.Accepted, await cluster.TaskGrain(task.Id).Submit(task));
        return await cluster.WaitFinished(task.Id);
    }

    [Fact]
    public async Task Each_completed_task_is_recorded_once_and_unpaid_and_the_ledger_outlives_its_silo()
    {
        var rewarded = await RunAsync(ParityTestCluster.Command("echo rewarded", id: "reward-set") with { Reward = 2.5m, CreatorDeviceId = "creator-1" });
        var metered = await RunAsync(ParityTestCluster.Command("echo metered", id: "reward-metered"));
        var failed = await RunAsync(ParityTestCluster.Command("exit 3", id: "reward-failed") with { Reward = 9m, CreatorDeviceId = "creator-1" });
        Assert.Equal((TaskState.Completed, TaskState.Completed, TaskState.Failed), (rewarded.Status, metered.Status, failed.Status));

        var report = await Eventually.Get(async () => await Ledger.Report(null, 100) is { Entries.Count: 2 } r ? r : null,
            TimeSpan.FromSeconds(30), "two rewards recorded");
        var set = report.Entries.Single(e => e.TaskId == "reward-set");
        Assert.Equal((2.5m, "task", rewarded.Runner, "creator-1"), (set.Tokens, set.Basis, set.Runner, set.CreatorDeviceId));
        var meteredEntry = report.Entries.Single(e => e.TaskId == "reward-metered");
        var meteredResult = (await cluster.TaskGrain("reward-metered").GetResult())!;
        Assert.Equal((RewardFormula.Metered(meteredResult), "metered"), (meteredEntry.Tokens, meteredEntry.Basis));
        Assert.True(meteredEntry.Tokens >= RewardFormula.Minimum);
        Assert.All(report.Entries, e => Assert.Equal((RewardStatus.Unpaid, RewardGrain.NotConfigured, (string?)null), (e.Status, e.Problem, e.TxHash)));
        Assert.False(report.Payouts);
        Assert.Equal((2.5m + meteredEntry.Tokens, 0m, 0m, 2.5m + meteredEntry.Tokens), (report.Earned, report.Paid, report.Pending, report.Unpaid));

        // The result reported 100 more times (the task grain ignores a result for a finished task), and the hook's
        // record delivered 100 more times with other amounts (a hook re-run after a crash): one entry, unchanged.
        var result = (await cluster.TaskGrain("reward-set").GetResult())!;
        for (var i = 0; i < 100; i++)
        {
            await cluster.TaskGrain("reward-set").Complete(result.Attempt, result);
            Assert.False(await Reward("reward-set").Record(set with { Tokens = 1000m + i, RecordedAt = DateTimeOffset.UtcNow }));
        }
        var again = await Ledger.Report(null, 100);
        Assert.Equal(2, again.Entries.Count);
        Assert.Equal(2.5m, again.Entries.Single(e => e.TaskId == "reward-set").Tokens);
        Assert.Equal((report.Earned, 2), (again.Earned, again.Count));

        // The silo that holds the reward's grain dies; the reward comes back from Redis on the other, still deduplicating,
        // and the account still counts it once.
        var host = await HostOf(Reward("reward-set"));
        await cluster.Cluster.KillSiloAsync(cluster.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)));
        Assert.Equal(set, await Reward("reward-set").Get());
        Assert.NotEqual(host, await HostOf(Reward("reward-set")));
        Assert.False(await Reward("reward-set").Record(set with { Tokens = 7m }));
        var after = await Ledger.Report(null, 100);
        Assert.Equal(report.Entries.OrderBy(e => e.TaskId), after.Entries.OrderBy(e => e.TaskId));
        Assert.Equal((report.Earned, report.Unpaid, 2), (after.Earned, after.Unpaid, after.Count));
    }

    [Fact]
    public async Task The_gateway_and_the_cli_show_the_ledger_and_refuse_bad_queries()
    {
        var task = await RunAsync(ParityTestCluster.Command("echo shown", id: "reward-shown") with { Reward = 0.12345678m });
        var other = await RunAsync(ParityTestCluster.Command("echo other", id: "reward-other") with { Reward = 1m });
        await Eventually.True(async () => (await Ledger.Report(null, 10)).Entries.Count == 2, TimeSpan.FromSeconds(30), "two rewards");

        using var all = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, "/api/v1/rewards"));
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        using var body = JsonDocument.Parse(await all.Content.ReadAsStringAsync());
        Assert.Equal(1.12345678m, body.RootElement.GetProperty("earned").GetDecimal());
        Assert.Equal(1.12345678m, body.RootElement.GetProperty("unpaid").GetDecimal());
        Assert.False(body.RootElement.GetProperty("payouts").GetBoolean());
        var entry = body.RootElement.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("task_id").GetString() == "reward-shown");
        Assert.Equal("unpaid", entry.GetProperty("status").GetString());
        Assert.Equal("0.12345678", entry.GetProperty("tokens").GetRawText());
        Assert.False(entry.TryGetProperty("signed_transaction", out _));

        var runner = task.Runner!;
        using var mine = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, $"/api/v1/rewards?runner={Uri.EscapeDataString(runner)}"));
        var report = JsonSerializer.Deserialize<RewardReport>(await mine.Content.ReadAsStringAsync(), ParityJson.Options)!;
        Assert.All(report.Entries, e => Assert.Equal(runner, e.Runner));
        Assert.Equal(runner == other.Runner ? 2 : 1, report.Entries.Count);

        foreach (var (query, detail) in new[]
                 {
                     ("limit=0", "limit must be from 1 to 100, got 0"),
                     ("limit=101", "limit must be from 1 to 100, got 101"),
                     ("runner=a%0Ab", "runner must be a runner's name, 1-128 characters without control characters"),
                     ($"runner={new string('r', 129)}", "runner must be a runner's name"),
                 })
        {
            using var refused = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, $"/api/v1/rewards?{query}"));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(detail, JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        }
        using var one = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, "/api/v1/rewards/reward-shown"));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        using (var shown = JsonDocument.Parse(await one.Content.ReadAsStringAsync()))
            Assert.Equal(("reward-shown", "0.12345678", "unpaid"), (shown.RootElement.GetProperty("task_id").GetString(),
                shown.RootElement.GetProperty("tokens").GetRawText(), shown.RootElement.GetProperty("status").GetString()));
        var failed = await RunAsync(ParityTestCluster.Command("exit 4", id: "reward-failed-shown") with { Reward = 5m });
        Assert.Equal(TaskState.Failed, failed.Status);
        foreach (var missing in new[] { "reward-failed-shown", "no-such-task", "bad%20id" })
        {
            using var none = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, $"/api/v1/rewards/{missing}"));
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
            Assert.Contains("has no reward", JsonDocument.Parse(await none.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        }

        using var unauthorized = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, "/api/v1/rewards", key: null));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);

        var environment = new Dictionary<string, string> { ["GATEWAY_API_KEY"] = GatewayHost.ApiKey };
        var (code, stdout, stderr) = ParityCli.Run(environment, "rewards", "--gateway", $"http://127.0.0.1:{port}", "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(1.12345678m, JsonDocument.Parse(stdout).RootElement.GetProperty("earned").GetDecimal());
        (code, stdout, stderr) = ParityCli.Run(environment, "rewards", "--gateway", $"http://127.0.0.1:{port}", "--runner", runner);
        Assert.True(code == 0, stderr);
        Assert.StartsWith($"runner {runner}: earned ", stdout);
        Assert.Contains("this cluster has no payer", stdout);
        Assert.Contains("reward-shown\t", stdout);
        (code, _, stderr) = ParityCli.Run(environment, "rewards", "--gateway", $"http://127.0.0.1:{port}", "--limit", "0");
        Assert.Equal((2, "rewards: --limit must be from 1 to 100, got 0"), (code, stderr.Trim()));
        (code, _, stderr) = ParityCli.Run(new Dictionary<string, string>(), "rewards", "--gateway", $"http://127.0.0.1:{port}");
        Assert.Equal(1, code);
        Assert.StartsWith("rewards: the gateway answered 401", stderr);
    }

    private async Task<SiloAddress> HostOf(IGrain grain)
    {
        var target = grain.GetGrainId();
        var statistics = await cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return statistics.Single(s => s.GrainId == target).SiloAddress;
    }
}
