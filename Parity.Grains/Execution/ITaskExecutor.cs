using Parity.Tasks;

namespace Parity.Execution;

/// <summary>Runs one task type on this machine. Engines know nothing of Orleans.</summary>
public interface ITaskExecutor
{
    TaskType Type { get; }

    /// <summary>Whether this runner can take tasks of <see cref="Type"/> now (enabled, its engine answering).</summary>
    bool Available { get; }

    /// <summary>
    /// Runs the attempt to completion, timeout or cancellation. Never throws for a task's own failure: that is an
    /// outcome with an <see cref="ExecutionOutcome.Error"/>. Cancellation via <paramref name="cancellation"/> kills the
    /// work and returns an outcome whose error says so.
    /// </summary>
    Task<ExecutionOutcome> ExecuteAsync(TaskRun run, ExecutionOutput output, CancellationToken cancellation);
}
