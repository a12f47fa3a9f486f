using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>The cluster's runner directory (a single grain, key 0): the latest heartbeat of every runner.</summary>
public interface IRunnerDirectoryGrain : IGrainWithIntegerKey
{
    Task Heartbeat(RunnerInfo runner);
    /// <summary>All runners, with <see cref="RunnerStatus.Offline"/> for those whose heartbeat is stale.</summary>
    Task<IReadOnlyList<RunnerInfo>> GetRunners();
}
