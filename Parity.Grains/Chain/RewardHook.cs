using Parity.Tasks;

namespace Parity.Chain;

/// <summary>
/// Records a completed task's reward in the ledger (one hook per task type: every type earns). The task grain runs it
/// once the result is recorded, and again only if it failed, and the reward's grain is keyed by the task id, so a task
/// earns once however its result arrived. Failed and cancelled tasks earn nothing (the upstream paid them: §15).
/// </summary>
public sealed class RewardHook(TaskType type, IGrainFactory grains, TimeProvider clock) : ITaskFinishedHook
{
    public TaskType Type => type;

    public Task OnFinishedAsync(ParityTask task, TaskResult? result)
    {
        if (task.Status != TaskState.Completed || result is null) return Task.CompletedTask;
        var (tokens, basis) = RewardFormula.Of(task, result);
        return grains.GetGrain<IRewardGrain>(task.Id).Record(new RewardEntry
        {
            TaskId = task.Id,
            Runner = new[] { result.SolverDeviceId, result.Runner, task.Runner }.First(r => !string.IsNullOrEmpty(r))!,
            // A task the network's server handed over is paid by that server, from the creator's stake there: paying it
            // here too would pay twice.
            CreatorDeviceId = task.Upstream is null ? task.CreatorDeviceId : null,
            Problem = task.Upstream is null ? null : RewardGrain.UpstreamPays,
            Tokens = tokens,
            Basis = basis,
            RecordedAt = task.CompletedAt ?? clock.GetUtcNow(),
        });
    }
}
