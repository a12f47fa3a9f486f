namespace Parity.Runners;

/// <summary>What a runner's machine can do.</summary>
[GenerateSerializer, Immutable]
public sealed record RunnerCapabilities
{
    [Id(0)] public int Cores { get; init; }
    [Id(1)] public long MemoryBytes { get; init; }
    /// <summary>Shell (<c>command</c>) tasks are enabled on this runner.</summary>
    [Id(2)] public bool Shell { get; init; }
    /// <summary>A container engine answers on this runner.</summary>
    [Id(3)] public bool Docker { get; init; }
    [Id(4)] public string? DockerVersion { get; init; }
    [Id(5)] public string Os { get; init; } = "";
    [Id(6)] public string Architecture { get; init; } = "";
    /// <summary>Task types (wire names) this runner accepts.</summary>
    [Id(7)] public IReadOnlyList<Parity.Tasks.TaskType> TaskTypes { get; init; } = [];
    /// <summary>The compute path chosen at start-up: cuda, opencl or cpu-simd.</summary>
    [Id(8)] public string Compute { get; init; } = "cpu-simd";
    /// <summary>The accelerator's name (or the CPU path's description), and its memory when it is a GPU.</summary>
    [Id(9)] public string ComputeDevice { get; init; } = "";
    [Id(10)] public long ComputeMemoryBytes { get; init; }
    /// <summary>LLM models this runner can serve, from every backend, with whether each is loaded.</summary>
    [Id(11)] public IReadOnlyList<Parity.Llm.LlmModelInfo> Models { get; init; } = [];
    /// <summary>A backend that can fetch models (Ollama) answers on this runner.</summary>
    [Id(12)] public bool CanPullModels { get; init; }
}
