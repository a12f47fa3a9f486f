namespace Parity.Tasks;

[GenerateSerializer, Immutable]
public sealed record TaskPage
{
    [Id(0)] public IReadOnlyList<TaskSummary> Tasks { get; init; } = [];
    [Id(1)] public int Total { get; init; }
    [Id(2)] public int Offset { get; init; }
    [Id(3)] public int Limit { get; init; }
}
