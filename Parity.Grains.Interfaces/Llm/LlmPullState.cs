namespace Parity.Llm;

/// <summary>A model pull that a ModelGrain asked a runner for.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmPullState
{
    [Id(0)] public string Model { get; init; } = "";
    [Id(1)] public string Runner { get; init; } = "";
    [Id(2)] public string Status { get; init; } = "";
    [Id(3)] public long? Completed { get; init; }
    [Id(4)] public long? Total { get; init; }
    [Id(5)] public bool Done { get; init; }
    /// <summary>Why the pull failed; null while it runs and when it succeeded.</summary>
    [Id(6)] public string? Error { get; init; }
    [Id(7)] public DateTimeOffset StartedAt { get; init; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The pull in words, as a waiting prompt shows it: "pulling model 'x' on runner-1: downloading (45 %)".</summary>
    public string Describe() =>
        Error ?? $"pulling model '{Model}' on {Runner}: {(Done ? "done, waiting for the runner to list it" : Status)}" +
                 (!Done && Total is > 0 && Completed is { } done ? $" ({100.0 * done / Total.Value:F0} %)" : "");
}
