using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>One silo's runner, keyed by silo name and placed on that silo.</summary>
public interface IRunnerGrain : IGrainWithStringKey
{
    /// <summary>Takes the task if the runner can run its type and has a free slot; execution starts at once.</summary>
    Task<bool> TryStart(ParityTask task, int attempt);
    Task Cancel(string taskId, int attempt);
    Task<RunnerInfo> GetInfo();
    /// <summary>Whether the task's attempt is running here (asked by a task grain whose lease on it lapsed).</summary>
    Task<bool> IsRunning(string taskId, int attempt);
    /// <summary>Output so far of the task's attempt running here, or null when that attempt is not running here.</summary>
    Task<TaskLogs?> GetLiveOutput(string taskId, int attempt);
    /// <summary>
    /// The stdout of the task's attempt running here from UTF-8 byte <paramref name="offset"/> on, pushed in pieces as
    /// it is produced, until the attempt ends here; empty when that attempt is not running here (another attempt's
    /// output is never passed off as this one's). The task grain relays it: clients ask <see cref="ITaskGrain"/>.
    /// </summary>
    IAsyncEnumerable<LiveOutputPiece> LiveOutput(string taskId, int attempt, long offset, CancellationToken cancellation = default);
    /// <summary>
    /// Starts fetching an LLM model on this runner (progress goes to the model's grain), or says why it will not: no
    /// backend that can pull, the model not in RUNNER_MODEL_PULL_ALLOW, or RUNNER_MODEL_PULL_CONCURRENCY pulls running.
    /// </summary>
    Task<Parity.Llm.ModelPullAnswer> PullModel(string model);
    /// <summary>Publishes this runner's state to the directory; the silo calls it on a timer.</summary>
    Task Heartbeat();
    /// <summary>The silo is stopping: take no more tasks and show offline at once.</summary>
    Task GoOffline();
}
