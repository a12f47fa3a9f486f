using System.Net;
using System.Text.Json;
using Parity.Storage;
using Parity.Tasks;
using Parity.Tests.Support;
using StackExchange.Redis;

namespace Parity.Tests.Cluster;

/// <summary>
/// Finished tasks expire (RESULT_RETENTION), with their results and stored output, and every count stays true across
/// it. Before, the grains kept everything for good while the index forgot past 20,000, so /api/status said 20,000
/// completed for 22,040.
/// </summary>
public sealed class RetentionTests : IAsyncLifetime
{
    private readonly string _outputs = Path.Combine(Path.GetTempPath(), $"parity-retention-{Guid.NewGuid():N}");
    private ParityTestCluster _cluster = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: _ => new Dictionary<string, string?>
        {
            ["RESULT_RETENTION"] = "2s",
            ["RESULT_INLINE_LIMIT"] = "1k",
            ["RUNNER_OUTPUT_DIR"] = _outputs,
        });
        _gateway = await GatewayHost.StartAsync(_cluster.Client);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _cluster.DisposeAsync();
        if (Directory.Exists(_outputs)) Directory.Delete(_outputs, recursive: true);
    }

    [Fact]
    public async Task A_finished_task_expires_with_its_result_and_stored_output_and_the_counts_follow()
    {
        // The other test's task may still be kept: start from an index that holds nothing.
        var before = await Eventually.Get(async () => await TaskIndex.CountsAsync(_cluster.Client) is var c && c with { Expired = 0 } == new TaskCounts() ? c : null,
            TimeSpan.FromSeconds(30), "an empty index");
        var tasks = Enumerable.Range(0, 6).Select(i => ParityTestCluster.Command(i == 0 ? "seq 1 5000" : "true")).ToList();
        foreach (var task in tasks) Assert.Equal(SubmitOutcome.Accepted, await _cluster.TaskGrain(task.Id).Submit(task));
        var finished = new List<ParityTask>();
        foreach (var task in tasks) finished.Add(await _cluster.WaitFinished(task.Id));
        var long_ = tasks[0].Id;
        // Each completed task's reward is recorded (the completion hook; an expiring task waits for its hooks).
        foreach (var task in tasks)
            await Eventually.True(async () => await _cluster.Client.GetGrain<Parity.Chain.IRewardGrain>(task.Id).Get() is not null,
                TimeSpan.FromSeconds(30), $"the reward of {task.Id} recorded");
        var stored = (await _cluster.TaskGrain(long_).GetResult())!;
        Assert.NotNull(stored.StdoutFile);
        var store = new OutputStore(_outputs);
        Assert.Equal(stored.StdoutFile!.Bytes, store.Length(long_, stored.Attempt, "stdout"));

        // The cluster keeps grain state in Redis: each task has its key there until it expires.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEngines.Redis);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        bool HasKey(string id) => server.Keys(pattern: $"*{id}*").Any();
        Assert.All(tasks, t => Assert.True(HasKey(t.Id), $"no Redis key holds task {t.Id}"));

        foreach (var task in tasks)
            await Eventually.True(async () => await _cluster.TaskGrain(task.Id).Get() is null, TimeSpan.FromSeconds(30),
                $"task {task.Id} expired");
        Assert.All(tasks, t => Assert.False(HasKey(t.Id), $"task {t.Id} expired but its Redis key is still there"));
        // The rewards' records went with their tasks (final: no payer, so unpaid); their runners' accounts keep them.
        foreach (var task in finished)
        {
            Assert.Null(await _cluster.Client.GetGrain<Parity.Chain.IRewardGrain>(task.Id).Get());
            var account = await _cluster.Client.GetGrain<Parity.Chain.IRewardAccountGrain>(task.Runner!).Report(100);
            Assert.Contains(account.Entries, e => e.TaskId == task.Id);
        }

        Assert.Null(await _cluster.TaskGrain(long_).GetResult());
        await Eventually.True(() => Task.FromResult(store.Length(long_, stored.Attempt, "stdout") is null), TimeSpan.FromSeconds(10),
            "the stored output deleted");
        var response = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Get, $"/api/v1/tasks/{long_}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("RESULT_RETENTION", await response.Content.ReadAsStringAsync());

        // Nothing else runs in this cluster: once all six expired, the index lists none and counts six more expired.
        var counts = await TaskIndex.CountsAsync(_cluster.Client);
        Assert.Equal(new TaskCounts { Expired = before.Expired + 6 }, counts);
        var page = await TaskIndex.ListAsync(_cluster.Client, null, 0, 500);
        Assert.Empty(page.Tasks);
        Assert.Equal(0, page.Total);
        var status = JsonDocument.Parse(await (await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Get, "/api/status")))
            .Content.ReadAsStringAsync()).RootElement;
        var statusCounts = status.GetProperty("tasks");
        Assert.Equal(0, statusCounts.GetProperty("completed").GetInt32());
        Assert.Equal(before.Expired + 6, statusCounts.GetProperty("expired").GetInt64());
    }

    [Fact]
    public async Task An_unfinished_task_never_expires()
    {
        // Long enough that the three seconds of watching below end well before the run does, on a loaded machine too.
        var running = ParityTestCluster.Command("sleep 10");
        await _cluster.TaskGrain(running.Id).Submit(running);
        await _cluster.WaitFor(running.Id, t => t.Status == TaskState.Running, TimeSpan.FromSeconds(30), "running");
        // Ask it to expire, as a shard would: a running task refuses and stays.
        await _cluster.TaskGrain(running.Id).Expire();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(TaskState.Running, (await _cluster.TaskGrain(running.Id).Get())!.Status);

        var finished = await _cluster.WaitFinished(running.Id);
        Assert.Equal(TaskState.Completed, finished.Status);
        Assert.NotNull(await _cluster.TaskGrain(running.Id).GetResult());
    }
}
