using Orleans.Concurrency;
using Parity.Configuration;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>
/// One silo's runner, placed on that silo: it answers for the machine's slots and capabilities and publishes them to
/// the directory. Execution itself lives in the silo's <see cref="TaskRunService"/>. Reentrant: its calls share no
/// state but a flag, and a heartbeat stuck on a directory whose silo just died must not hold up the tasks offered to it.
/// </summary>
[SiloNamePlacement]
[Reentrant]
public sealed class RunnerGrain(
    TaskRunService executions,
    Parity.Llm.ModelPulls pulls,
    MachineCapabilities machine,
    ClusteringOptions cluster,
    ILocalSiloDetails silo,
    TimeProvider clock) : Grain, IRunnerGrain
{
    private bool _stopping;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (this.GetPrimaryKeyString() != cluster.SiloName)
            throw new InvalidOperationException(
                $"runner '{this.GetPrimaryKeyString()}' was placed on silo '{cluster.SiloName}'");
        return Task.CompletedTask;
    }

    public Task<bool> TryStart(ParityTask task, int attempt)
    {
        var started = !_stopping && executions.TryStart(task, attempt);
        if (started) Announce().Ignore();
        return Task.FromResult(started);
    }

    public Task Cancel(string taskId, int attempt)
    {
        executions.Cancel(taskId, attempt);
        return Task.CompletedTask;
    }

    public Task<RunnerInfo> GetInfo() => Task.FromResult(Info());

    public Task<bool> IsRunning(string taskId, int attempt) => Task.FromResult(executions.IsRunning(taskId, attempt));

    public Task<TaskLogs?> GetLiveOutput(string taskId, int attempt) => Task.FromResult(executions.LiveOutput(taskId, attempt));

    public IAsyncEnumerable<LiveOutputPiece> LiveOutput(string taskId, int attempt, long offset, CancellationToken cancellation) =>
        executions.LiveFeed(taskId, attempt)?.Read(offset, cancellation) ?? AsyncEnumerable.Empty<LiveOutputPiece>();

    public Task<Parity.Llm.ModelPullAnswer> PullModel(string model) => Task.FromResult(_stopping
        ? new Parity.Llm.ModelPullAnswer { Refused = $"runner {cluster.SiloName} is stopping" }
        : pulls.TryStart(model));

    public Task Heartbeat() => Announce();

    /// <summary>The silo is stopping: take no more tasks and show offline at once.</summary>
    public Task GoOffline()
    {
        _stopping = true;
        return Directory.Heartbeat(Info() with { Status = RunnerStatus.Offline });
    }

    private Task Announce() => _stopping ? Task.CompletedTask : Directory.Heartbeat(Info());

    private RunnerInfo Info() => new()
    {
        Name = cluster.SiloName,
        Status = _stopping ? RunnerStatus.Offline : RunnerStatus.Online,
        Capabilities = machine.Describe(executions.TaskTypes),
        SlotsTotal = executions.SlotsTotal,
        SlotsUsed = executions.SlotsUsed,
        SlotsFree = _stopping ? 0 : Math.Max(0, executions.SlotsTotal - executions.SlotsUsed),
        LastHeartbeat = clock.GetUtcNow(),
        SiloAddress = silo.SiloAddress.ToParsableString(),
        RunningTasks = executions.RunningTaskIds,
    };

    private IRunnerDirectoryGrain Directory => GrainFactory.GetGrain<IRunnerDirectoryGrain>(0);
}
