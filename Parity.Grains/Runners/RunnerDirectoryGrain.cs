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
/// A runner whose silo the cluster has declared dead shows offline at once. A directory that has just moved (its silo
/// died) holds heartbeats up to a batch old, and the runners' next ones may still be on their way: for one offline
/// window it keeps showing a runner online whose silo is active, and asks every such runner to announce itself.
/// </summary>
public sealed class RunnerDirectoryGrain(
    [PersistentState("runner-directory", ParityStorage.Name)] IPersistentState<RunnerDirectoryRecord> state,
    SchedulingOptions scheduling,
    IClusterMembershipService membership,
    TimeProvider clock) : Grain, IRunnerDirectoryGrain
{
    private bool _dirty;
    private DateTimeOffset _activatedAt;

    private Dictionary<string, RunnerInfo> Runners => state.State.Runners;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activatedAt = clock.GetUtcNow();
        this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(scheduling.OfflineAfter, scheduling.OfflineAfter));
        foreach (var runner in Runners.Values.Where(r => r.Status == RunnerStatus.Online && SiloOf(r) == SiloStatus.Active))
            GrainFactory.GetGrain<IRunnerGrain>(runner.Name).Heartbeat().Ignore();
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
        var now = clock.GetUtcNow();
        var staleBefore = now - scheduling.OfflineAfter;
        var justMoved = now - _activatedAt < scheduling.OfflineAfter;
        IReadOnlyList<RunnerInfo> list = Runners.Values
            .Select(r => SiloOf(r) switch
            {
                SiloStatus.Dead => r with { Status = RunnerStatus.Offline, SlotsFree = 0 },
                SiloStatus.Active when justMoved => r,
                _ => r.LastHeartbeat < staleBefore ? r with { Status = RunnerStatus.Offline, SlotsFree = 0 } : r,
            })
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(list);
    }

    /// <summary>The cluster's word on the runner's silo (None when the runner never said which silo it is on).</summary>
    private SiloStatus SiloOf(RunnerInfo runner) => string.IsNullOrEmpty(runner.SiloAddress)
        ? SiloStatus.None
        : membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(runner.SiloAddress));

    private async Task Flush()
    {
        if (!_dirty) return;
        _dirty = false;
        await state.WriteStateAsync();
    }
}
