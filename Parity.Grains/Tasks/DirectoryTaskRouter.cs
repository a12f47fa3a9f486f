using Parity.Runners;

namespace Parity.Tasks;

/// <summary>The default route: runners whose capabilities list the task's type and show a free slot, least loaded first.</summary>
public sealed class DirectoryTaskRouter(RunnerDirectoryCache runners) : ITaskRouter
{
    public TaskType? Type => null;

    public async Task<TaskRoute> RouteAsync(ParityTask task, object config, string? runnerHint)
    {
        // Before a task is called unroutable, this silo's copy of the directory is brought up to date: a runner that
        // joined since the last periodic refresh must not see a task fail for want of it. Rare, so it costs nothing.
        if (runners.NoneCanRun(task) is not null) await runners.RefreshAsync();
        var candidates = runners.Candidates(task);
        if (runnerHint is { } hint && runners.Takes(hint, task)) candidates = [hint, .. candidates.Where(c => c != hint)];
        var unroutable = runners.NoneCanRun(task);
        return new TaskRoute
        {
            Runners = candidates,
            Unroutable = unroutable,
            UnroutableForGood = unroutable is not null && TaskTypes.Of(task.Type).FixedAtStart && !runners.AnyKnownTakes(task.Type),
        };
    }
}
