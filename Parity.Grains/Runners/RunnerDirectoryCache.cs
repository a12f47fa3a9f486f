using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Llm;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>
/// A silo-local copy of the runner directory, refreshed in the background, so dispatching a task costs no call to
/// the directory grain. Tasks note a refusal locally (<see cref="NoteFull"/>) so they don't all try the same full runner.
/// </summary>
public sealed class RunnerDirectoryCache(IGrainFactory grains, SchedulingSettings scheduling, ILogger<RunnerDirectoryCache> logger)
    : BackgroundService
{
    private volatile IReadOnlyList<RunnerInfo> _runners = [];
    private readonly Dictionary<string, int> _optimisticUse = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public static TimeSpan RefreshInterval(SchedulingSettings scheduling) =>
        TimeSpan.FromTicks(Math.Clamp(scheduling.HeartbeatInterval.Ticks / 2, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(1).Ticks));

    /// <summary>Online runners that can run this task and show a free slot, the most free first.</summary>
    public IReadOnlyList<string> Candidates(ParityTask task)
    {
        var model = ModelOf(task);
        lock (_gate)
        {
            return _runners
                .Where(r => r.Status == RunnerStatus.Online && Serves(r, task.Type, model))
                .Select(r => (r.Name, Free: r.SlotsFree - _optimisticUse.GetValueOrDefault(r.Name)))
                .Where(r => r.Free > 0)
                .OrderByDescending(r => r.Free).ThenBy(_ => Random.Shared.Next())
                .Select(r => r.Name)
                .ToList();
        }
    }

    /// <summary>Whether the runner is online and can run this task (its slots aside).</summary>
    public bool Takes(string runner, ParityTask task)
    {
        var model = ModelOf(task);
        return _runners.Any(r => r.Name == runner && r.Status == RunnerStatus.Online && Serves(r, task.Type, model));
    }

    /// <summary>The runner takes the type and, for an LLM task, serves the model (tags matched by <see cref="ModelNames"/>).</summary>
    private static bool Serves(RunnerInfo runner, TaskType type, string? model) =>
        runner.Capabilities.TaskTypes.Contains(type)
        && (model is null || ModelNames.Resolve(model, runner.Capabilities.Models.Select(m => m.Name)) is not null);

    private static string? ModelOf(ParityTask task) => task.Type == TaskType.Llm ? LlmTaskConfig.ModelOf(task) : null;

    /// <summary>A runner refused a task (or could not be reached): count it full until the next refresh.</summary>
    public void NoteFull(string runner)
    {
        lock (_gate) _optimisticUse[runner] = int.MaxValue / 2;
    }

    public bool IsOffline(string runner)
    {
        var info = _runners.FirstOrDefault(r => r.Name == runner);
        // Unknown is not offline: the directory may simply not have heard from it yet.
        return info is { Status: RunnerStatus.Offline };
    }

    /// <summary>
    /// Why no runner can ever take this type, when some runners are online and none of them takes it; null while
    /// waiting still makes sense.
    /// </summary>
    public string? NoneCanRun(ParityTask task)
    {
        var type = task.Type;
        var online = _runners.Where(r => r.Status == RunnerStatus.Online).ToList();
        var model = ModelOf(task);
        if (model is not null && online.Any(r => r.Capabilities.TaskTypes.Contains(type)) && !online.Any(r => Serves(r, type, model)))
        {
            var served = online.SelectMany(r => r.Capabilities.Models.Select(m => m.Name)).Distinct().Order();
            return $"no runner in the cluster serves model '{model}'; models served: {string.Join(", ", served)}";
        }
        if (online.Count == 0 || online.Any(r => r.Capabilities.TaskTypes.Contains(type))) return null;
        var wire = Parity.Json.ParityJson.WireName(type);
        var hint = type switch
        {
            TaskType.Command => " (shell tasks are disabled; RUNNER_SHELL_ENABLED=true enables them)",
            TaskType.Docker => " (no runner has a Docker engine answering at its RUNNER_DOCKER_HOST)",
            _ => "",
        };
        return $"no runner in the cluster can run '{wire}' tasks{hint}; online runners: " +
               string.Join(", ", online.Select(r => $"{r.Name} [{string.Join(", ", r.Capabilities.TaskTypes.Select(Parity.Json.ParityJson.WireName))}]"));
    }

    public async Task RefreshAsync()
    {
        var runners = await grains.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        lock (_gate)
        {
            _runners = runners;
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
