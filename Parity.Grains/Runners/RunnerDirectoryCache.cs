using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>
/// A silo-local copy of the runner directory, refreshed in the background, so dispatching a task costs no call to
/// the directory grain. Tasks note a refusal locally (<see cref="NoteFull"/>) so they don't all try the same full runner.
/// </summary>
public sealed class RunnerDirectoryCache(
    IGrainFactory grains,
    IClusterMembershipService membership,
    SchedulingOptions scheduling,
    ILogger<RunnerDirectoryCache> logger)
    : BackgroundService
{
    private volatile IReadOnlyList<RunnerInfo> _runners = [];
    private readonly Dictionary<string, int> _optimisticUse = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    /// <summary>Why no runner can run each type (<see cref="NoneCanRun"/>), worked out with each directory read.</summary>
    private volatile IReadOnlyDictionary<TaskType, string?> _reasons = new Dictionary<TaskType, string?>();
    private readonly Lock _refreshGate = new();
    private Task? _reading;
    private Task? _readingNext;

    public static TimeSpan RefreshInterval(SchedulingOptions scheduling) =>
        TimeSpan.FromTicks(Math.Clamp(scheduling.HeartbeatInterval.Ticks / 2, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(1).Ticks));

    /// <summary>
    /// Online runners that can run this task's type and show a free slot, the most free first. LLM tasks are routed
    /// by their model's grain instead (<see cref="Parity.Llm.ModelGrain"/>).
    /// </summary>
    public IReadOnlyList<string> Candidates(ParityTask task)
    {
        lock (_gate)
        {
            // Asked on every dispatch try: a task that no runner can take now (the common case of a full cluster or
            // a burst of one type) gets its empty answer without building the ordering.
            List<(string Name, int Free)>? open = null;
            foreach (var runner in _runners)
                if (runner.Status == RunnerStatus.Online && runner.Capabilities.TaskTypes.Contains(task.Type) && Free(runner) is > 0 and var free)
                    (open ??= []).Add((runner.Name, free));
            if (open is null) return [];
            return open.OrderByDescending(r => r.Free).ThenBy(_ => Random.Shared.Next()).Select(r => r.Name).ToList();
        }
    }

    /// <summary>Every runner as last read from the directory.</summary>
    public IReadOnlyList<RunnerInfo> Runners => _runners;

    /// <summary>The runner's free slots less those this silo's tasks took (or found taken) since the last refresh.</summary>
    public int FreeSlots(RunnerInfo runner)
    {
        lock (_gate) return Free(runner);
    }

    private int Free(RunnerInfo runner) =>
        runner.Status == RunnerStatus.Online ? Math.Min(runner.SlotsTotal, runner.SlotsFree - _optimisticUse.GetValueOrDefault(runner.Name)) : 0;

    /// <summary>Whether the runner is online and can run this task (its slots aside).</summary>
    public bool Takes(string runner, ParityTask task) =>
        _runners.Any(r => r.Name == runner && r.Status == RunnerStatus.Online && r.Capabilities.TaskTypes.Contains(task.Type));

    /// <summary>This silo started a task on the runner: one slot fewer until the next refresh shows it.</summary>
    public void NoteStarted(string runner)
    {
        lock (_gate) _optimisticUse[runner] = _optimisticUse.GetValueOrDefault(runner) + 1;
    }

    /// <summary>A task on the runner reported its result (its slot is free): one slot more until the next refresh.</summary>
    public void NoteFreed(string runner)
    {
        lock (_gate)
            if (_optimisticUse.GetValueOrDefault(runner) < int.MaxValue / 4) _optimisticUse[runner] = _optimisticUse.GetValueOrDefault(runner) - 1;
            else _optimisticUse.Remove(runner);
    }

    /// <summary>A runner refused a task (or could not be reached): count it full until the next refresh.</summary>
    public void NoteFull(string runner)
    {
        lock (_gate) _optimisticUse[runner] = int.MaxValue / 2;
    }

    /// <summary>
    /// Whether the cluster has declared the runner's silo dead. Unlike a late heartbeat (a loaded runner can miss one
    /// and still be working) this is final: a silo declared dead never comes back under the same address.
    /// </summary>
    public bool IsSiloDead(string runner) => SiloStatusOf(runner) == SiloStatus.Dead;

    /// <summary>Whether the runner's silo is dead or shutting down (it cannot take work, though it may still show online).</summary>
    public bool IsSiloGone(string runner) => SiloStatusOf(runner) is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping;

    private SiloStatus SiloStatusOf(string runner)
    {
        var info = _runners.FirstOrDefault(r => r.Name == runner);
        return string.IsNullOrEmpty(info?.SiloAddress)
            ? SiloStatus.None
            : membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(info.SiloAddress));
    }

    /// <summary>
    /// Why no runner can ever take this type, when some runners are online and none of them takes it; null while
    /// waiting still makes sense.
    /// </summary>
    public string? NoneCanRun(ParityTask task) => _reasons.GetValueOrDefault(task.Type);

    private static string? Reason(IReadOnlyList<RunnerInfo> runners, TaskType type)
    {
        var online = runners.Where(r => r.Status == RunnerStatus.Online).ToList();
        if (online.Count == 0 || online.Any(r => r.Capabilities.TaskTypes.Contains(type))) return null;
        var wire = Parity.Json.ParityJson.WireName(type);
        return $"no runner in the cluster can run '{wire}' tasks ({TaskTypes.Of(type).RunnerNeeds}); online runners: " +
               string.Join(", ", online.Select(r => $"{r.Name} [{string.Join(", ", r.Capabilities.TaskTypes.Select(Parity.Json.ParityJson.WireName))}]"));
    }

    /// <summary>Whether any runner in the directory, online or not (one may be restarting), lists the type.</summary>
    public bool AnyKnownTakes(TaskType type) => _runners.Any(r => r.Capabilities.TaskTypes.Contains(type));

    /// <summary>
    /// Reads the directory again; the returned task ends after a read that started after this call. Callers that ask
    /// while a read is under way share the one read that follows it, so a burst of tasks that all want a fresh
    /// directory (a type no runner takes, each task of the burst on its first try) costs two calls to the
    /// directory grain, not one per task.
    /// </summary>
    public Task RefreshAsync()
    {
        lock (_refreshGate)
        {
            // The read runs on the thread pool, not in the asking grain's context: other grains wait for it, and must
            // not depend on that grain staying active until the directory answers.
            if (_reading is not { IsCompleted: false } reading) return _reading = Task.Run(ReadAsync);
            return _readingNext ??= ReadAfterAsync(reading);
        }
    }

    private async Task ReadAfterAsync(Task current)
    {
        try
        {
            await current.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // That read's failure is its own callers' to see; the callers waiting here get a read of their own.
        }
        Task next;
        lock (_refreshGate)
        {
            _readingNext = null;
            next = _reading = Task.Run(ReadAsync);
        }
        await next.ConfigureAwait(false);
    }

    private async Task ReadAsync()
    {
        var runners = await grains.Reference<IRunnerDirectoryGrain>(0).GetRunners().ConfigureAwait(false);
        // Asked on every dispatch try while a type has no runner (each task of a burst of them, each tick), the answer
        // changes only with the directory, so it is worked out here, once per read.
        var reasons = Enum.GetValues<TaskType>().ToDictionary(type => type, type => Reason(runners, type));
        lock (_gate)
        {
            _runners = runners;
            _reasons = reasons;
            _optimisticUse.Clear();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval(scheduling));
        do
        {
            try
            {
                await RefreshAsync();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "Runner directory refresh failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
