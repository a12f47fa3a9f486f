using Parity.Tasks;

namespace Parity.Federation;

/// <summary>A round task has finished: its state and output (the model update, as JSON), from the task's completion hook.</summary>
[GenerateSerializer, Immutable]
public sealed record FlTaskReport
{
    [Id(0)] public required string TaskId { get; init; }
    [Id(1)] public required string RoundId { get; init; }
    [Id(2)] public required TaskState Status { get; init; }
    [Id(3)] public string? Output { get; init; }
    [Id(4)] public string? Error { get; init; }
    [Id(5)] public string? Runner { get; init; }
}
