namespace Parity.Tasks;

/// <summary>One line of a task's lifecycle log: submitted, dispatched, lease lapsed, completed…</summary>
[GenerateSerializer, Immutable]
public sealed record TaskEvent(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Message);

/// <summary>What <c>GET /api/v1/tasks/{id}/logs</c> returns: the lifecycle and the output so far.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskLogs
{
    [Id(0)] public string TaskId { get; init; } = "";
    [Id(1)] public TaskState Status { get; init; }
    [Id(2)] public IReadOnlyList<TaskEvent> Events { get; init; } = [];
    [Id(3)] public string Stdout { get; init; } = "";
    [Id(4)] public string Stderr { get; init; } = "";
    /// <summary>True while the output is a live tail from the runner rather than the recorded result.</summary>
    [Id(5)] public bool Live { get; init; }
}

/// <summary>An entry of the cluster's task index, enough to list and filter without activating every task.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskSummary
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string Title { get; init; } = "";
    [Id(2)] public TaskType Type { get; init; }
    [Id(3)] public TaskState Status { get; init; }
    [Id(4)] public DateTimeOffset CreatedAt { get; init; }
    [Id(5)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(6)] public string? Runner { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record TaskPage
{
    [Id(0)] public IReadOnlyList<TaskSummary> Tasks { get; init; } = [];
    [Id(1)] public int Total { get; init; }
    [Id(2)] public int Offset { get; init; }
    [Id(3)] public int Limit { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record TaskCounts
{
    [Id(0)] public int Pending { get; init; }
    [Id(1)] public int Running { get; init; }
    [Id(2)] public int Completed { get; init; }
    [Id(3)] public int Failed { get; init; }
    [Id(4)] public int Cancelled { get; init; }
}
