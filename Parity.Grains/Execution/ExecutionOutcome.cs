namespace Parity.Execution;

/// <summary>What an execution produced.</summary>
public sealed record ExecutionOutcome
{
    public int ExitCode { get; init; }
    /// <summary>Null when the work ran and exited on its own; otherwise why it did not finish normally.</summary>
    public string? Error { get; init; }
    public TimeSpan Elapsed { get; init; }
    public double CpuSeconds { get; init; }
    public long PeakMemoryBytes { get; init; }
    /// <summary>Memory integrated over the run when the executor measured it; otherwise peak × wall time is used.</summary>
    public double? MemoryGbHours { get; init; }
    public long NetworkBytes { get; init; }
    public long StorageBytes { get; init; }
    /// <summary>The image the work ran in (hex digest, as upstream's image_hash_verified).</summary>
    public string? ImageHash { get; init; }
    /// <summary>Hash of the command as run (upstream's command_hash_verified); null lets the runner derive it.</summary>
    public string? CommandHash { get; init; }
    /// <summary>LLM tasks: prompt tokens evaluated (null when the backend did not say, e.g. a cached prefix).</summary>
    public long? PromptTokens { get; init; }
    public long ResponseTokens { get; init; }
    public long InferenceTimeMs { get; init; }
    /// <summary>LLM tasks: the full metering.</summary>
    public Parity.Llm.LlmUsage? Usage { get; init; }
    public bool TimedOut { get; init; }
    public bool Cancelled { get; init; }
    public bool Succeeded => Error is null && ExitCode == 0;
}
