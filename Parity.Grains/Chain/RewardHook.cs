using Parity.Tasks;

namespace Parity.Chain;

/// <summary>
/// Records a completed task's reward in the ledger (one hook per task type: every type earns). The task grain runs it
/// once the result is recorded, and again only if it failed, and the ledger keeps one entry per task id, so a task
/// earns once however its result arrived. Failed and cancelled tasks earn nothing (the upstream paid them: §15).
/// </summary>
public sealed class RewardHook(TaskType type, IGrainFactory grains, TimeProvider clock) : ITaskFinishedHook
{
    public TaskType Type => type;

    public Task OnFinishedAsync(ParityTask task, TaskResult? result)
    {
        if (task.Status != TaskState.Completed || result is null) return Task.CompletedTask;
        var (tokens, basis) = RewardFormula.Of(task, result);
        return grains.GetGrain<IRewardLedgerGrain>(IRewardLedgerGrain.Key).Record(new RewardEntry
        {
            TaskId = task.Id,
            Runner = string.IsNullOrEmpty(result.SolverDeviceId) ? result.Runner : result.SolverDeviceId,
            CreatorDeviceId = task.CreatorDeviceId,
            Tokens = tokens,
            Basis = basis,
            RecordedAt = task.CompletedAt ?? clock.GetUtcNow(),
        });
    }
}
