namespace Parity.Tasks;

/// <summary>
/// Work owed once a task of one type has finished, whatever the outcome (an LLM prompt's usage to its client's
/// totals; a federated round task's update to its session, which must also hear of a failure). The task grain calls
/// it after recording the outcome and keeps calling, on its timer, until it returns without throwing; so a hook must be
/// idempotent per task id.
/// </summary>
public interface ITaskFinishedHook
{
    TaskType Type { get; }

    /// <param name="task">The task in its final state (completed, failed or cancelled).</param>
    /// <param name="result">The runner's result, when one was recorded.</param>
    Task OnFinishedAsync(ParityTask task, TaskResult? result);
}
