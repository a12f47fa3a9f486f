using Orleans.Runtime;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// The sharded task index: tasks spread over the shards and the shards over the silos, pages cut across shards exactly
/// as one index would cut them, and admission exact against TASK_QUEUE_LIMIT however the shards fall.
/// </summary>
public sealed class TaskIndexTests : IAsyncLifetime
{
    private const int QueueLimit = 12;
    private ParityTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: _ => new Dictionary<string, string?>
        {
            ["TASK_QUEUE_LIMIT"] = QueueLimit.ToString(),
            ["RUNNER_MAX_CONCURRENT_TASKS"] = "1",
        });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public void Task_ids_spread_evenly_over_the_shards_and_always_to_the_same_one()
    {
        var ids = Enumerable.Range(0, 8000).Select(i => $"task-{i}").ToList();
        var perShard = ids.GroupBy(TaskIndex.ShardOf).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(0, TaskIndex.Shards), perShard.Keys.Order());
        Assert.All(perShard.Values, count => Assert.InRange(count, 800, 1200));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(4000)]
    public void A_shard_is_the_xxhash32_of_the_ids_utf8_mod_8_for_any_length(int length)
    {
        // The documented rule, the same in every process (docs/ARCHITECTURE.md): short ids are hashed from a stack
        // buffer, long ones from the heap, and both must give the rule's shard, multi-byte characters included.
        foreach (var filler in new[] { "a", "é", "€", "\U0001F600" })
        {
            var id = string.Concat(Enumerable.Repeat(filler, length)).Substring(0, length);
            var expected = (int)(System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(id)) % TaskIndex.Shards);
            Assert.Equal(expected, TaskIndex.ShardOf(id));
        }
    }

    [Fact]
    public async Task The_shards_live_on_every_silo()
    {
        await TaskIndex.CountsAsync(_cluster.Client);  // activates every shard
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var silos = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
        var all = await management.GetDetailedGrainStatistics(null, silos);
        var shards = all.Where(s => s.GrainType.Contains("TaskIndexGrain")).ToList();
        Assert.True(shards.Count > 0, string.Join(", ", all.Select(s => s.GrainType).Distinct()));
        var perSilo = shards.GroupBy(s => s.SiloAddress).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, perSilo.Count);
        Assert.All(perSilo.Values, count => Assert.Equal(TaskIndex.Shards / 2, count));
    }

    [Fact]
    public async Task Pages_across_the_shards_are_the_pages_of_one_sorted_index()
    {
        // Tasks that finish at once, created at known times, two of them at the same instant (the id breaks the tie).
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var tasks = Enumerable.Range(0, 23).Select(i => ParityTestCluster.Command("true", id: $"page-{i:D2}") with
        {
            CreatedAt = start.AddSeconds(i == 7 ? 6 : i),
        }).ToList();
        // In batches below the queue limit: this cluster's queue is short.
        foreach (var batch in tasks.Chunk(QueueLimit / 2))
        {
            foreach (var task in batch) Assert.Equal(SubmitOutcome.Accepted, await _cluster.TaskGrain(task.Id).Submit(task));
            foreach (var task in batch) await _cluster.WaitFinished(task.Id);
        }
        Assert.True(tasks.Select(t => TaskIndex.ShardOf(t.Id)).Distinct().Count() > 1, "the tasks all fell in one shard");
        var expected = tasks.OrderByDescending(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal).Select(t => t.Id).ToList();

        await Eventually.True(async () => (await TaskIndex.ListAsync(_cluster.Client, TaskState.Completed, 0, 1)).Total >= tasks.Count,
            TimeSpan.FromSeconds(10), "every task listed as completed");
        var listed = new List<string>();
        for (var offset = 0; offset < 30; offset += 5)
        {
            var page = await TaskIndex.ListAsync(_cluster.Client, TaskState.Completed, offset, 5);
            Assert.Equal(offset, page.Offset);
            listed.AddRange(page.Tasks.Select(t => t.Id).Where(id => id.StartsWith("page-", StringComparison.Ordinal)));
        }
        Assert.Equal(expected, listed);
        var counts = await TaskIndex.CountsAsync(_cluster.Client);
        Assert.Equal((await TaskIndex.ListAsync(_cluster.Client, TaskState.Completed, 0, 1)).Total, counts.Completed);
    }

    [Fact]
    public async Task Admission_is_exact_against_the_queue_limit_whichever_shards_the_tasks_fall_in()
    {
        // One slot per runner, long tasks: every admitted task stays unfinished for the test.
        await Eventually.True(async () => await _cluster.Client.GetGrain<ITaskQueueGrain>(0).Count() == 0, TimeSpan.FromSeconds(30),
            "an empty queue");
        var tasks = Enumerable.Range(0, 40).Select(_ => ParityTestCluster.Command("sleep 60")).ToList();
        var outcomes = await Task.WhenAll(tasks.Select(t => _cluster.TaskGrain(t.Id).Submit(t)));

        Assert.Equal(QueueLimit, outcomes.Count(o => o == SubmitOutcome.Accepted));
        Assert.Equal(40 - QueueLimit, outcomes.Count(o => o == SubmitOutcome.Busy));
        Assert.Equal(QueueLimit, await _cluster.Client.GetGrain<ITaskQueueGrain>(0).Count());
        var refused = tasks.Where((_, i) => outcomes[i] == SubmitOutcome.Busy).ToList();
        Assert.All(await Task.WhenAll(refused.Select(t => _cluster.TaskGrain(t.Id).Get())), Assert.Null);

        // One finishes (cancelled): exactly one more is admitted.
        var admitted = tasks.Where((_, i) => outcomes[i] == SubmitOutcome.Accepted).ToList();
        await _cluster.TaskGrain(admitted[0].Id).Cancel("making room");
        await Eventually.True(async () => await _cluster.Client.GetGrain<ITaskQueueGrain>(0).Count() == QueueLimit - 1,
            TimeSpan.FromSeconds(10), "the cancelled task left the queue");
        var more = refused.Take(3).ToList();
        var second = await Task.WhenAll(more.Select(t => _cluster.TaskGrain(t.Id).Submit(t)));
        Assert.Equal(1, second.Count(o => o == SubmitOutcome.Accepted));

        foreach (var task in admitted.Skip(1).Concat(more)) await _cluster.TaskGrain(task.Id).Cancel("test over");
    }
}
