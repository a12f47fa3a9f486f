namespace Parity.Tasks;

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
