namespace Parity.Llm;

/// <summary>Where a ModelGrain sends a prompt: runners to try in order, or a pull under way, or why nothing can.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmRoute
{
    /// <summary>Runners that serve the model and show a free slot: warm first, then the least loaded.</summary>
    [Id(0)] public IReadOnlyList<string> Runners { get; init; } = [];
    /// <summary>No runner has the model yet; this pull will bring it.</summary>
    [Id(1)] public LlmPullState? Pull { get; init; }
    /// <summary>No runner can ever serve the model (unknown everywhere, no runner can pull, the pull failed).</summary>
    [Id(2)] public string? Error { get; init; }
    /// <summary>
    /// With <see cref="Error"/>: no pull could start only because every runner that may pull the model already runs
    /// RUNNER_MODEL_PULL_CONCURRENCY pulls; a prompt waits for a slot rather than failing.
    /// </summary>
    [Id(3)] public bool Busy { get; init; }
}
