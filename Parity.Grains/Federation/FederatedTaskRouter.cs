using Parity.Runners;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// Routes <c>federated_learning</c> tasks: a session's round task goes to its participant and nowhere else (its part of
/// the data is that runner's to train; another runner taking over would change who saw which rows). When the
/// participant's silo is dead the task cannot run, and says so; the session has already stopped waiting for it. A task
/// without a participant (pushed by an upstream server) goes to any runner that trains federated models.
/// </summary>
public sealed class FederatedTaskRouter(RunnerDirectoryCache runners, DirectoryTaskRouter fallback) : ITaskRouter
{
    public TaskType? Type => TaskType.FederatedLearning;

    public Task<TaskRoute> RouteAsync(ParityTask task, object config, string? runnerHint)
    {
        if (((FederatedTaskConfig)config).Participant is not { } participant) return fallback.RouteAsync(task, config, runnerHint);
        if (runners.IsSiloDead(participant))
            return Task.FromResult(new TaskRoute { Unroutable = $"participant {participant}'s silo is dead" });
        if (!runners.Runners.Any(r => r.Name == participant))
            return Task.FromResult(new TaskRoute { Unroutable = $"participant {participant} is not a runner of this cluster" });
        return Task.FromResult(new TaskRoute { Runners = runners.Takes(participant, task) ? [participant] : [] });
    }
}
