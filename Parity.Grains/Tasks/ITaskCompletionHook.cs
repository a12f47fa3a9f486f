namespace Parity.Tasks;

/// <summary>
/// Work owed once a task of one type has completed (e.g. an LLM prompt's usage to its client's totals). The task grain
/// calls it after recording the result and keeps calling, on its timer, until it returns without throwing; so a hook
/// must be idempotent per task id.
/// </summary>
public interface ITaskCompletionHook
{
    TaskType Type { get; }

    Task OnCompletedAsync(ParityTask task, TaskResult result);
}
