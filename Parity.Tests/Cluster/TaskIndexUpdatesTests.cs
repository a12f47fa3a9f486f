using System.Collections.Concurrent;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// A silo's announcements to the index shards, batched: every summary reaches the shard that indexes it, exactly once,
/// and a shard receives a silo's summaries in the order they were posted (a finished task is never overtaken by the
/// pending summary it replaced).
/// </summary>
public sealed class TaskIndexUpdatesTests
{
    [Fact]
    public async Task Every_summary_reaches_its_own_shard_once_and_in_the_order_posted()
    {
        var shards = FakeShards.Create();
        var updates = new TaskIndexUpdates(shards.Factory);
        var posted = new List<TaskSummary>();
        for (var i = 0; i < 2_000; i++)
        {
            // Each task is announced pending, then completed: the second must arrive after the first.
            posted.Add(Summary($"task-{i % 1_000}", i < 1_000 ? TaskState.Pending : TaskState.Completed));
            updates.Post(posted[^1]);
            if (i % 250 == 0) await Task.Yield();
        }

        await shards.WaitForSummaries(posted.Count);

        Assert.Equal(posted.Count, shards.Received.Values.Sum(list => list.Count));
        foreach (var (shard, received) in shards.Received)
        {
            Assert.All(received, task => Assert.Equal(shard, TaskIndex.ShardOf(task.Id)));
            Assert.Equal(posted.Where(t => TaskIndex.ShardOf(t.Id) == shard).Select(t => (t.Id, t.Status)),
                received.Select(t => (t.Id, t.Status)));
        }
        // Batched: fewer calls than summaries (2,000 posted in bursts of 250 between yields).
        Assert.True(shards.Calls < posted.Count, $"{shards.Calls} calls for {posted.Count} summaries");
    }

    [Fact]
    public async Task A_summary_posted_after_a_quiet_spell_is_sent_on_its_own()
    {
        var shards = FakeShards.Create();
        var updates = new TaskIndexUpdates(shards.Factory);

        updates.Post(Summary("first", TaskState.Pending));
        await shards.WaitForSummaries(1);
        updates.Post(Summary("second", TaskState.Pending));
        await shards.WaitForSummaries(2);

        Assert.Equal(2, shards.Calls);
    }

    private static TaskSummary Summary(string id, TaskState status) => new()
    {
        Id = id,
        Type = TaskType.Command,
        Status = status,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>A grain factory whose index shards record what each call carried.</summary>
    public sealed class FakeShards
    {
        private int _calls;

        private FakeShards() =>
            Factory = FakeGrainFactory.Handing(key => FakeGrain.Of<ITaskIndexGrain>((method, args) => method == nameof(ITaskIndexGrain.Update)
                ? Take((int)(long)key, (IReadOnlyList<TaskSummary>)args[0]!)
                : throw new NotSupportedException(method)));

        public IGrainFactory Factory { get; }
        public ConcurrentDictionary<int, List<TaskSummary>> Received { get; } = new();
        public int Calls => Volatile.Read(ref _calls);

        public static FakeShards Create() => new();

        public async Task WaitForSummaries(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Count() < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the shards received {Count()} summaries, not {count}");
                await Task.Delay(10);
            }
        }

        private int Count()
        {
            var total = 0;
            foreach (var list in Received.Values)
                lock (list) total += list.Count;
            return total;
        }

        private Task Take(int shard, IReadOnlyList<TaskSummary> tasks)
        {
            Interlocked.Increment(ref _calls);
            var list = Received.GetOrAdd(shard, _ => []);
            lock (list) list.AddRange(tasks);
            return Task.CompletedTask;
        }
    }
}
