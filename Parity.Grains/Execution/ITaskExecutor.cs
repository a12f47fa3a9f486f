using Parity.Tasks;

namespace Parity.Execution;

/// <summary>Runs one task type on this machine. Engines know nothing of Orleans.</summary>
public interface ITaskExecutor
{
    TaskType Type { get; }

    /// <summary>Whether this runner can take tasks of <see cref="Type"/> now (enabled, its engine answering).</summary>
    bool Available { get; }

    /// <summary>
    /// Checks a task's configuration without running it; throws <see cref="TaskValidationException"/> naming the field.
    /// </summary>
    void Validate(ParityTask task);

    /// <summary>
    /// Runs the task to completion, timeout or cancellation. Never throws for a task's own failure: that is an outcome
    /// with an <see cref="ExecutionOutcome.Error"/>. Cancellation via <paramref name="cancellation"/> kills the work and
    /// returns an outcome whose error says so.
    /// </summary>
    Task<ExecutionOutcome> ExecuteAsync(ParityTask task, ExecutionOutput output, CancellationToken cancellation);
}

/// <summary>A task's configuration is invalid. The message names the field.</summary>
public sealed class TaskValidationException(string message) : Exception(message);

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
