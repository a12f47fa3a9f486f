namespace Parity.Llm;

/// <summary>Progress of a model pull.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmPullProgress
{
    [Id(0)] public string Status { get; init; } = "";
    [Id(1)] public long? Completed { get; init; }
    [Id(2)] public long? Total { get; init; }
}
