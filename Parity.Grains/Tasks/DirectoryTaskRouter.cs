using Parity.Runners;

namespace Parity.Tasks;

/// <summary>The default route: runners whose capabilities list the task's type and show a free slot, least loaded first.</summary>
public sealed class DirectoryTaskRouter(RunnerDirectoryCache runners) : ITaskRouter
{
    public TaskType? Type => null;

    public async Task<TaskRoute> RouteAsync(ParityTask task, object config, string? runnerHint)
    {
        var (unroutable, forGood) = Unroutable(task);
        // Before a task is failed as one no runner can ever take, this silo's copy of the directory is brought up to
        // date: a runner that joined since the last periodic refresh must not see a task fail for want of it. A task
        // that only waits (no runner takes its type yet, or none has a free slot) needs no fresh copy: the periodic
        // refresh comes within a second, and a burst of such tasks must not each read the directory.
        if (forGood)
        {
            await runners.RefreshAsync();
            (unroutable, forGood) = Unroutable(task);
        }
        var candidates = runners.Candidates(task);
        if (runnerHint is { } hint && runners.Takes(hint, task)) candidates = [hint, .. candidates.Where(c => c != hint)];
        return new TaskRoute { Runners = candidates, Unroutable = unroutable, UnroutableForGood = forGood };
    }

    private (string? Why, bool ForGood) Unroutable(ParityTask task)
    {
        var why = runners.NoneCanRun(task);
        return (why, why is not null && TaskTypes.Of(task.Type).FixedAtStart && !runners.AnyKnownTakes(task.Type));
    }
}
