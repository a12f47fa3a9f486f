using Parity.Tasks;

namespace Parity.Execution;

/// <summary>An executor of one task type whose config parses to <typeparamref name="TConfig"/>.</summary>
public abstract class TaskExecutor<TConfig> : ITaskExecutor where TConfig : class
{
    public abstract TaskType Type { get; }

    public abstract bool Available { get; }

    public Task<ExecutionOutcome> ExecuteAsync(TaskRun run, ExecutionOutput output, CancellationToken cancellation) =>
        ExecuteAsync(run, (TConfig)run.Config, output, cancellation);

    protected abstract Task<ExecutionOutcome> ExecuteAsync(TaskRun run, TConfig config, ExecutionOutput output,
        CancellationToken cancellation);
}
