namespace Parity.Tasks;

/// <summary>How many tasks the index holds in each state, and how many finished tasks it has expired.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskCounts
{
    [Id(0)] public int Pending { get; init; }
    [Id(1)] public int Running { get; init; }
    [Id(2)] public int Completed { get; init; }
    [Id(3)] public int Failed { get; init; }
    [Id(4)] public int Cancelled { get; init; }
    /// <summary>Finished tasks removed after RESULT_RETENTION or past RESULT_RETENTION_COUNT, since the index began.</summary>
    [Id(5)] public long Expired { get; init; }

    public static TaskCounts operator +(TaskCounts a, TaskCounts b) => new()
    {
        Pending = a.Pending + b.Pending,
        Running = a.Running + b.Running,
        Completed = a.Completed + b.Completed,
        Failed = a.Failed + b.Failed,
        Cancelled = a.Cancelled + b.Cancelled,
        Expired = a.Expired + b.Expired,
    };
}
