using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// Hands a finished round task (its update, or why it failed) to its session. Only tasks a session created (their id
/// is <c>fl-{session}-…</c>) are passed on, so a <c>federated_learning</c> task from elsewhere never wakes a session.
/// </summary>
public sealed class FederatedRoundHook(IGrainFactory grains) : ITaskFinishedHook
{
    public TaskType Type => TaskType.FederatedLearning;

    public Task OnFinishedAsync(ParityTask task, TaskResult? result)
    {
        if (!RoundTasks.TryParse(task.Id, out var sessionId, out _, out _)) return Task.CompletedTask;
        FederatedTaskConfig config;
        try
        {
            config = FederatedTaskConfig.Parse(task.Config);
        }
        catch (TaskConfigException)
        {
            return Task.CompletedTask;
        }
        if (config.SessionId != sessionId) return Task.CompletedTask;
        return grains.GetGrain<IFlSessionGrain>(sessionId).TaskFinished(new FlTaskReport
        {
            TaskId = task.Id,
            RoundId = config.RoundId,
            Status = task.Status,
            Output = task.Status == TaskState.Completed ? result?.Stdout : null,
            Error = task.Error ?? result?.Error,
            Runner = result?.Runner ?? task.Runner,
        });
    }
}
