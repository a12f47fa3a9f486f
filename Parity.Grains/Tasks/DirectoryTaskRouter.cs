using Parity.Runners;

namespace Parity.Tasks;

/// <summary>The default route: runners whose capabilities list the task's type and show a free slot, least loaded first.</summary>
public sealed class DirectoryTaskRouter(RunnerDirectoryCache runners) : ITaskRouter
{
    public TaskType? Type => null;

    public Task<TaskRoute> RouteAsync(ParityTask task, object config, string? runnerHint)
    {
        var candidates = runners.Candidates(task);
        if (runnerHint is { } hint && runners.Takes(hint, task)) candidates = [hint, .. candidates.Where(c => c != hint)];
        var unroutable = runners.NoneCanRun(task);
        return Task.FromResult(new TaskRoute
        {
            Runners = candidates,
            Unroutable = unroutable,
            UnroutableForGood = unroutable is not null && TaskTypes.Of(task.Type).FixedAtStart && !runners.AnyKnownTakes(task.Type),
        });
    }
}
