using Parity.Hosting;
using Parity.Configuration;

namespace Parity.Runners;

[GenerateSerializer]
public sealed class RunnerDirectoryRecord
{
    [Id(0)] public Dictionary<string, RunnerInfo> Runners { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The latest heartbeat of every runner. Durable, so a runner whose silo died with the directory still shows offline
/// after the directory moves. Heartbeats are written in batches; a runner joining or leaving is written at once.
/// </summary>
public sealed class RunnerDirectoryGrain(
    [PersistentState("runner-directory", ParityStorage.Name)] IPersistentState<RunnerDirectoryRecord> state,
    SchedulingOptions scheduling,
    TimeProvider clock) : Grain, IRunnerDirectoryGrain
{
    private bool _dirty;

    private Dictionary<string, RunnerInfo> Runners => state.State.Runners;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(scheduling.OfflineAfter, scheduling.OfflineAfter));
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty) await state.WriteStateAsync(cancellationToken);
    }

    public async Task Heartbeat(RunnerInfo runner)
    {
        var joinedOrLeft = !Runners.TryGetValue(runner.Name, out var known) || known.Status != runner.Status;
        Runners[runner.Name] = runner;
        _dirty = true;
        if (joinedOrLeft) await Flush();
    }

    public Task<IReadOnlyList<RunnerInfo>> GetRunners()
    {
        var staleBefore = clock.GetUtcNow() - scheduling.OfflineAfter;
        IReadOnlyList<RunnerInfo> list = Runners.Values
            .Select(r => r.LastHeartbeat < staleBefore ? r with { Status = RunnerStatus.Offline, SlotsFree = 0 } : r)
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(list);
    }

    private async Task Flush()
    {
        if (!_dirty) return;
        _dirty = false;
        await state.WriteStateAsync();
    }
}
