using Parity.Configuration;

namespace Parity.Runners;

/// <summary>
/// The latest heartbeat of every runner. Kept in memory on purpose: runners re-announce themselves every heartbeat
/// interval, so after a restart the directory is whole again within one interval.
/// </summary>
public sealed class RunnerDirectoryGrain(SchedulingSettings scheduling, TimeProvider clock) : Grain, IRunnerDirectoryGrain
{
    private readonly Dictionary<string, RunnerInfo> _runners = new(StringComparer.Ordinal);

    public Task Heartbeat(RunnerInfo runner)
    {
        _runners[runner.Name] = runner;
        return Task.CompletedTask;
    }

    public Task Remove(string name)
    {
        _runners.Remove(name);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RunnerInfo>> GetRunners()
    {
        var staleBefore = clock.GetUtcNow() - scheduling.OfflineAfter;
        IReadOnlyList<RunnerInfo> list = _runners.Values
            .Select(r => r.LastHeartbeat < staleBefore ? r with { Status = RunnerStatus.Offline } : r)
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(list);
    }
}
