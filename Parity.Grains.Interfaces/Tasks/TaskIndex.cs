using System.IO.Hashing;
using System.Text;
using Parity.Hosting;

namespace Parity.Tasks;

/// <summary>
/// The task index as one: which shard holds a task, and listing and counting over every shard. A shard is chosen by
/// a stable hash of the task id (the same in every process and version, unlike <see cref="string.GetHashCode()"/>),
/// so a task's summaries always reach the same shard.
/// </summary>
public static class TaskIndex
{
    /// <summary>
    /// Fixed for the cluster: every silo and gateway must agree on it, and the shards' stored entries are where this
    /// number put them. Eight shards spread the index over the silos of a home lab and keep the fan-out of a listing small.
    /// </summary>
    public const int Shards = 8;

    /// <summary>The listing order: newest first, ties by id (ordinal), so pages never overlap or skip.</summary>
    public static IComparer<TaskSummary> NewestFirst { get; } = Comparer<TaskSummary>.Create((a, b) =>
    {
        var byAge = b.CreatedAt.CompareTo(a.CreatedAt);
        return byAge != 0 ? byAge : string.CompareOrdinal(a.Id, b.Id);
    });

    public static int ShardOf(string taskId)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(taskId.Length, 256))];
        var bytes = taskId.Length <= 256 ? utf8[..Encoding.UTF8.GetBytes(taskId, utf8)] : Encoding.UTF8.GetBytes(taskId);
        return (int)(XxHash32.HashToUInt32(bytes) % Shards);
    }

    /// <summary>
    /// A page of every shard's tasks, newest first (ties by id): each shard gives its newest offset + limit, and the
    /// page is cut from their merge, so it is exactly the page one index would have given.
    /// </summary>
    public static async Task<TaskPage> ListAsync(IGrainFactory grains, TaskState? status, int offset, int limit)
    {
        var want = (int)Math.Min((long)offset + limit, int.MaxValue);
        var slices = await Task.WhenAll(Enumerable.Range(0, Shards)
            .Select(shard => grains.GetGrain<ITaskIndexGrain>(shard).Newest(status, want)));
        var page = slices.SelectMany(s => s.Tasks).Order(NewestFirst).Skip(offset).Take(limit).ToList();
        return new TaskPage { Tasks = page, Total = slices.Sum(s => s.Total), Offset = offset, Limit = limit };
    }

    public static async Task<TaskCounts> CountsAsync(IGrainFactory grains)
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, Shards).Select(shard => grains.GetGrain<ITaskIndexGrain>(shard).Counts()));
        return counts.Aggregate(new TaskCounts(), (sum, shard) => sum + shard);
    }
}
