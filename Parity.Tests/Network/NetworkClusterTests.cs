using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Parity.Network;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Network;

/// <summary>
/// A real cluster (in-process silos, grain state in the real Redis) in network mode against the test server: it
/// registers, heartbeats, claims what the server offers, reports each result exactly once through a server that
/// answers 503 and then goes away, and leaves cleanly.
/// </summary>
public sealed class NetworkClusterTests : IAsyncLifetime
{
    private const string Device = "cluster-device";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly UpstreamTestServer _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<ParityTestCluster> StartCluster(int silos = 1, bool redisReminders = false) => ParityTestCluster.StartAsync(silos,
        _ => new Dictionary<string, string?>
        {
            ["RUNNER_SERVER_URL"] = _server.Url.ToString(),
            ["RUNNER_WALLET_ADDRESS"] = UpstreamTestClient.Wallet,
            ["RUNNER_WEBHOOK_URL"] = UpstreamTestClient.Webhook,
            ["RUNNER_SERVER_POLL_INTERVAL"] = "200ms",
            ["RUNNER_SERVER_TIMEOUT"] = "1s",
        },
        silo => NetworkTestSilo.Configure(silo, Device, redisReminders));

    [Fact]
    public async Task A_runner_registers_heartbeats_with_real_figures_and_leaves_on_a_graceful_stop()
    {
        var cluster = await StartCluster();
        try
        {
            await Eventually.True(() => _server.Heartbeats.Count >= 2, Patience, "two heartbeats");
            var runner = _server.Runner(Device)!;
            Assert.Equal(UpstreamTestClient.Wallet, runner["wallet_address"]!.GetValue<string>());
            Assert.Equal(UpstreamTestClient.Webhook, runner["webhook"]!.GetValue<string>());
            var beat = _server.Heartbeats[^1];
            Assert.Equal("online", beat["status"]!.GetValue<string>());
            Assert.Equal(2, beat["slots_free"]!.GetValue<int>());
            Assert.Equal(0, beat["slots_used"]!.GetValue<int>());
            // A real machine's figure, where the reference always sent 0.
            Assert.InRange(beat["memory_usage"]!.GetValue<double>(), 0.1, 100);
            Assert.Equal(UpstreamTestClient.Webhook, beat["public_ip"]!.GetValue<string>());
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        Assert.Contains("DELETE /api/v1/runners/webhooks", _server.Requests);
        Assert.Equal("offline", _server.Heartbeats[^1]["status"]!.GetValue<string>());
        Assert.Equal("offline", _server.Runner(Device)!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_runner_the_server_forgot_registers_again()
    {
        await using var cluster = await StartCluster();
        await Eventually.True(() => _server.Heartbeats.Count >= 1, Patience, "a heartbeat");
        var registrations = _server.Requests.Count(r => r == "POST /api/v1/runners");

        _server.ForgetRunner(Device);

        await Eventually.True(() => _server.Runner(Device) is not null, Patience, "the runner registered again");
        Assert.True(_server.Requests.Count(r => r == "POST /api/v1/runners") > registrations);
    }

    [Fact]
    public async Task Every_result_is_reported_exactly_once_through_503_answers_and_a_stopped_server()
    {
        var ids = Enumerable.Range(1, 6).Select(i => $"net-{i}").ToList();
        foreach (var id in ids) _server.AddTask(id, "command", new JsonObject { ["command"] = $"sleep 1; echo out-{id}" });
        await using var cluster = await StartCluster(silos: 2);

        // Some tasks claimed and running in the cluster; then the server answers 503 to everything.
        await Eventually.True(() => ids.Count(id => _server.Task(id)!["status"]!.GetValue<string>() == "running") >= 2,
            Patience, "two tasks claimed");
        _server.Fail(503);
        var claimed = ids.Where(id => _server.Task(id)!["status"]!.GetValue<string>() != "pending").ToList();
        foreach (var id in claimed) await cluster.WaitFinished(id, Patience);
        await Eventually.True(() => _server.Requests.Any(r => r.EndsWith("/result", StringComparison.Ordinal)),
            Patience, "a report answered 503");

        // Then it is gone altogether for a while, and comes back.
        await _server.StopAsync();
        await Eventually.True(async () =>
            {
                foreach (var id in claimed)
                    if ((await cluster.TaskGrain(id).Get())!.Status != TaskState.Completed) return false;
                return true;
            }, Patience, "the claimed tasks completed in the cluster");
        _server.Heal();
        await _server.StartAsync();

        await Eventually.True(() => ids.All(id => _server.StoredResult(id) is not null), Patience, "every result reported");
        var receipts = _server.Receipts;
        foreach (var id in ids)
        {
            var receipt = Assert.Single(receipts, r => r.TaskId == id);
            Assert.Equal(Device, receipt.DeviceId);
            Assert.Equal(id, receipt.IdempotencyKey);
            Assert.Equal($"out-{id}\n", receipt.Body["output"]!.GetValue<string>());
            Assert.Equal(0, receipt.Body["exit_code"]!.GetValue<int>());
        }
        // Reports were refused while the server was failing, so the ones it took are retries.
        Assert.True(_server.Requests.Count(r => r.EndsWith("/result", StringComparison.Ordinal)) > receipts.Count);
    }

    [Fact]
    public async Task A_task_the_server_pushes_to_the_webhook_runs_and_its_result_is_reported_once_as_the_runner_the_push_names()
    {
        const string id = "pushed-1";
        _server.AddTask(id, "command", new JsonObject { ["command"] = "echo pushed" }, runnerId: Device);
        await using var cluster = await StartCluster();
        await using var gateway = await GatewayHost.StartAsync(cluster.Client);

        var push = GatewayHost.SignedWebhook(GatewayHost.Push(GatewayHost.CommandTask(id, "echo pushed")));
        push.Headers.Add(UpstreamClient.DeviceHeader, Device);
        var answer = await gateway.Http.SendAsync(push);
        Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);

        Assert.Equal(Device, (await cluster.TaskGrain(id).Get())!.Upstream!.DeviceId);
        await Eventually.True(() => _server.StoredResult(id) is not null, Patience, "the pushed task's result reported");
        var receipt = Assert.Single(_server.Receipts);
        Assert.Equal(Device, receipt.DeviceId);
        Assert.Equal("pushed\n", receipt.Body["output"]!.GetValue<string>());
    }

    /// <summary>X-Device-ID values that cannot be a device id: control characters, a DEL, a non-ASCII letter, over 128 characters.</summary>
    public static TheoryData<string> HostileDeviceIds => new()
    {
        "evil\u0001device",
        "evil\tdevice",
        "evil\u001b[31mdevice",
        "evil\u007fdevice",
        "évil-device",
        new string('d', 129),
        Device + new string('x', 200),
    };

    [Theory]
    [MemberData(nameof(HostileDeviceIds))]
    public async Task A_push_with_a_hostile_device_header_is_accepted_and_reported_once_as_the_clusters_own_device(string header)
    {
        var id = $"hostile-{Guid.NewGuid():N}";
        _server.AddTask(id, "command", new JsonObject { ["command"] = "echo pushed" }, runnerId: Device);
        // The cluster's polls find nothing, so the task reaches it by the push alone (else a poll may claim it first).
        _server.Answer("GET /api/v1/runners/tasks/available", 200, () => "[]"u8.ToArray());
        await using var cluster = await StartCluster();
        await using var gateway = await GatewayHost.StartAsync(cluster.Client);

        var push = GatewayHost.SignedWebhook(GatewayHost.Push(GatewayHost.CommandTask(id, "echo pushed")));
        Assert.True(push.Headers.TryAddWithoutValidation(UpstreamClient.DeviceHeader, header));
        var answer = await gateway.Http.SendAsync(push);
        Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await answer.Content.ReadAsStringAsync());

        // Not taken as the device id: the task has an upstream origin with none, so the report goes as the cluster's own.
        var task = (await cluster.TaskGrain(id).Get())!;
        Assert.NotNull(task.Upstream);
        Assert.Null(task.Upstream.DeviceId);
        await Eventually.True(() => _server.StoredResult(id) is not null, Patience, "the pushed task's result reported");
        var receipt = Assert.Single(_server.Receipts);
        Assert.Equal(id, receipt.TaskId);
        Assert.Equal(Device, receipt.DeviceId);
        Assert.Equal("pushed\n", receipt.Body["output"]!.GetValue<string>());
        // The same push again is the same task: skipped, still one report.
        // Signed a second later: the same signature twice is refused as a replay.
        var again = GatewayHost.SignedWebhook(GatewayHost.Push(GatewayHost.CommandTask(id, "echo pushed")), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.True(again.Headers.TryAddWithoutValidation(UpstreamClient.DeviceHeader, header));
        Assert.Equal("""{"status":"skipped"}""", await (await gateway.Http.SendAsync(again)).Content.ReadAsStringAsync());
        Assert.Single(_server.Receipts);
    }

    [Fact]
    public async Task A_task_of_the_clusters_own_api_is_not_reported_upstream()
    {
        await using var cluster = await StartCluster();
        var task = ParityTestCluster.Command("echo local");
        Assert.Equal(SubmitOutcome.Accepted, await cluster.TaskGrain(task.Id).Submit(task));

        Assert.Equal(TaskState.Completed, (await cluster.WaitFinished(task.Id, Patience)).Status);
        // A heartbeat after the task finished: had a report been owed, the hook would have sent it by now.
        var beats = _server.Heartbeats.Count;
        await Eventually.True(() => _server.Heartbeats.Count > beats + 1, Patience, "two more heartbeats");
        Assert.DoesNotContain(_server.Requests, r => r.EndsWith("/result", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_report_owed_by_a_task_whose_silo_died_is_still_delivered_once()
    {
        var ids = Enumerable.Range(1, 3).Select(i => $"dead-{Guid.NewGuid():N}").ToList();
        foreach (var id in ids) _server.AddTask(id, "command", new JsonObject { ["command"] = $"echo out-{id}" });
        // Claimed as the cluster's runner would (before it starts, so its own polls find nothing), and submitted with
        // their grains placed on the silo that will die.
        using var runner = new UpstreamTestClient(_server.Url, Device);
        await runner.Client.RegisterAsync(new RunnerRegistration { WalletAddress = UpstreamTestClient.Wallet, Webhook = UpstreamTestClient.Webhook }, default);
        var claims = new List<ParityTask>();
        foreach (var id in ids) claims.Add((await runner.Client.ClaimAsync(id, default))!);
        await using var cluster = await StartCluster(silos: 2, redisReminders: true);
        var doomed = cluster.Cluster.Silos[1];
        foreach (var claimed in claims)
        {
            var id = claimed.Id;
            Orleans.Runtime.RequestContext.Set(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey, doomed.SiloAddress);
            try
            {
                Assert.Equal(SubmitOutcome.Accepted, await cluster.TaskGrain(id).Submit(claimed with { Upstream = new UpstreamOrigin { DeviceId = Device } }));
            }
            finally
            {
                Orleans.Runtime.RequestContext.Remove(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey);
            }
        }

        // The server is down while the tasks finish, so every report is owed; then their silo dies, taking the task
        // grains (and their timers) with it.
        _server.Fail(503);
        foreach (var id in ids) await cluster.WaitFinished(id, Patience);
        await Eventually.True(() => _server.Requests.Any(r => r.EndsWith("/result", StringComparison.Ordinal)), Patience, "a report answered 503");
        await cluster.Cluster.KillSiloAsync(doomed);
        _server.Heal();

        await Eventually.True(() => ids.All(id => _server.StoredResult(id) is not null), TimeSpan.FromMinutes(4), "every result reported");
        foreach (var id in ids) Assert.Single(_server.Receipts, r => r.TaskId == id);
    }
}
