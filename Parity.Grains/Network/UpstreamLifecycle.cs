using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Json;
using Parity.Llm;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Network;

/// <summary>
/// This silo's runner as a node of the upstream network (UPSTREAM.md §2, §4): it registers, re-registers whenever
/// what it registered changes (models pulled or gone, Docker gone, another webhook URL) or the server has forgotten it,
/// heartbeats every RUNNER_HEARTBEAT_INTERVAL with the machine's real figures, and claims the tasks the server lists
/// as available (as many as it has free slots) and submits them as task grains, durable and re-dispatched like any
/// other; their results go back through <see cref="UpstreamReportHook"/>. On a graceful stop it says it is offline
/// and unregisters its webhook. Nothing here blocks the silo's start: an unreachable server is retried with backoff.
/// </summary>
public sealed class UpstreamLifecycle(
    IServiceProvider services,
    UpstreamOptions options,
    SchedulingOptions scheduling,
    LlmOptions llm,
    TaskRunService executions,
    MachineCapabilities machine,
    RunnerModels models,
    HostLoad load,
    WebhookAddress webhook,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<UpstreamLifecycle> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Budget of each of the two calls of a graceful stop.</summary>
    public static readonly TimeSpan StopCallBudget = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _stop = new();
    private long _startedAt;
    private Task? _heartbeats;
    private Task? _polls;
    /// <summary>The registration body last acknowledged; null until registered, or once the server forgot us.</summary>
    private volatile string? _registered;

    /// <summary>After the runner's own lifecycle: started after it, stopped before it (still online while it says goodbye).</summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(UpstreamLifecycle), ServiceLifecycleStage.Active + 1, OnStart, OnStop);

    private UpstreamClient Client => services.GetRequiredService<UpstreamClient>();

    private Task OnStart(CancellationToken cancellation)
    {
        _startedAt = clock.GetTimestamp();
        _heartbeats = Task.Run(HeartbeatLoop, CancellationToken.None);
        _polls = Task.Run(PollLoop, CancellationToken.None);
        logger.LogInformation("Network mode: runner {DeviceId} joins {Server} (webhook {Webhook})",
            options.DeviceId, options.ServerUrl, webhook.Current?.ToString() ?? "through the tunnel, once it is up");
        return Task.CompletedTask;
    }

    private async Task OnStop(CancellationToken cancellation)
    {
        await _stop.CancelAsync();
        foreach (var loop in new[] { _heartbeats, _polls })
            if (loop is not null) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_registered is null) return;
        // The reference's "offline heartbeat" was wrapped so that the server saw no status and marked it online; this
        // one says offline plainly. The webhook's removal is what takes the runner off a reference server's list.
        var last = webhook.Current;
        if (last is not null) await Try("offline heartbeat", c => Client.HeartbeatAsync(Heartbeat("offline", last), c), cancellation);
        await Try("webhook removal", c => Client.UnregisterWebhookAsync(c), cancellation);
        logger.LogInformation("Runner {DeviceId} left {Server}", options.DeviceId, options.ServerUrl);
    }

    private async Task Try(string what, Func<CancellationToken, Task> call, CancellationToken cancellation)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        budget.CancelAfter(StopCallBudget);
        try
        {
            await call(budget.Token);
        }
        catch (Exception e) when (e is UpstreamException or OperationCanceledException)
        {
            logger.LogWarning("Leaving {Server}: the {What} failed ({Problem})", options.ServerUrl, what, e.Message);
        }
    }

    private async Task HeartbeatLoop()
    {
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            // Taken before the URL is read: a new tunnel URL ends the wait below and is registered at once.
            var changed = webhook.Changed;
            if (webhook.Current is not { } url)
            {
                // A tunnel not up yet: nothing reachable to register (the reference registered localhost instead).
                await Delay(scheduling.HeartbeatInterval, changed);
                continue;
            }
            try
            {
                var registration = Registration(url);
                var body = JsonSerializer.Serialize(registration, ParityJson.Options);
                if (_registered != body)
                {
                    await Client.RegisterAsync(registration, _stop.Token);
                    logger.LogInformation("Registered runner {DeviceId} with {Server}: {Models} model(s)",
                        options.DeviceId, options.ServerUrl, registration.ModelCapabilities.Count);
                    _registered = body;
                }
                await Client.HeartbeatAsync(Heartbeat(executions.SlotsUsed >= executions.SlotsTotal ? "busy" : "online", url), _stop.Token);
                failures = 0;
            }
            catch (UpstreamException e)
            {
                failures++;
                // The reference never re-registered a runner the server had forgotten, and heartbeated into 500s forever.
                if (UpstreamClient.IsRunnerUnknown(e)) _registered = null;
                logger.LogWarning("Runner {DeviceId}: {Problem}", options.DeviceId, e.Message);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            await Delay(Backoff(scheduling.HeartbeatInterval, failures), changed);
        }
    }

    private async Task PollLoop()
    {
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            await Delay(Backoff(options.PollInterval, failures));
            if (_stop.IsCancellationRequested || _registered is null) continue;
            try
            {
                await ClaimAvailable();
                failures = 0;
            }
            catch (UpstreamException e)
            {
                failures++;
                logger.LogWarning("Runner {DeviceId}: {Problem}", options.DeviceId, e.Message);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Claims what the server offers, up to this runner's free slots, and submits each claimed task. Pushed tasks are
    /// among those offered until claimed (the server lists tasks assigned to this runner while still pending), so this
    /// also claims them, well before the reference server's 45 s reset of an unclaimed assignment.
    /// </summary>
    private async Task ClaimAvailable()
    {
        var free = executions.SlotsTotal - executions.SlotsUsed;
        if (free <= 0) return;
        var offered = await Client.ListAvailableTasksAsync(_stop.Token);
        foreach (var refused in offered.Refused)
        {
            if (refused.Id is null || free <= 0)
            {
                logger.LogWarning("Runner {DeviceId}: an available task is not taken: {Problem}", options.DeviceId, refused.Problem);
                continue;
            }
            await FailRefused(refused);
            free--;
        }
        foreach (var task in offered.Tasks.Take(free))
        {
            if (await Client.ClaimAsync(task.Id, _stop.Token) is not { } claimed) continue;
            var outcome = await grains.GetGrain<ITaskGrain>(claimed.Id)
                .Submit(claimed with { Upstream = new UpstreamOrigin { DeviceId = options.DeviceId } });
            logger.LogInformation("Claimed upstream task {TaskId}: {Outcome}", claimed.Id, outcome);
        }
    }

    /// <summary>
    /// A task whose config this runner refuses (a malformed or hostile field) is claimed and reported failed with the
    /// refusal, naming the field, rather than left pending to be offered (and refused) at every poll while its creator
    /// hears nothing. A report lost after the claim is not retried here: the server's stall sweep offers the task again.
    /// </summary>
    private async Task FailRefused(RefusedTask refused)
    {
        if (!await Client.ClaimToFailAsync(refused.Id!, _stop.Token)) return;
        logger.LogWarning("Runner {DeviceId}: upstream task {TaskId} failed, its config is refused: {Problem}",
            options.DeviceId, refused.Id, refused.Error);
        await Client.ReportResultAsync(new UpstreamTaskResult
        {
            TaskId = refused.Id!,
            DeviceId = options.DeviceId,
            Error = refused.Error,
            ExitCode = -1,
            CreatedAt = clock.GetUtcNow(),
        }, options.DeviceId, _stop.Token);
    }

    private RunnerRegistration Registration(Uri webhookUrl)
    {
        var capabilities = machine.Describe(executions.TaskTypes);
        return new RunnerRegistration
        {
            WalletAddress = options.WalletAddress!,
            Webhook = webhookUrl.ToString(),
            // Every model the runner serves can take a prompt now ("is_loaded" on the upstream), loaded in memory or not.
            ModelCapabilities = models.Current
                .Select(m => new ModelCapability(m.Name, IsLoaded: true, m.ContextLength ?? llm.MaxTokens))
                .DistinctBy(m => m.ModelName).OrderBy(m => m.ModelName, StringComparer.Ordinal).ToList(),
            // Models are listed above; their in-memory state changes too often to re-register on.
            Capabilities = capabilities with { Models = [] },
        };
    }

    private RunnerHeartbeat Heartbeat(string status, Uri webhookUrl) => new()
    {
        WalletAddress = options.WalletAddress!,
        Status = status,
        Timestamp = clock.GetUtcNow().ToUnixTimeSeconds(),
        Uptime = (long)clock.GetElapsedTime(_startedAt).TotalSeconds,
        CpuUsage = load.CpuPercent(),
        MemoryUsage = load.MemoryPercent(),
        PublicIp = webhookUrl.ToString(),
        SlotsUsed = executions.SlotsUsed,
        SlotsFree = Math.Max(0, executions.SlotsTotal - executions.SlotsUsed),
        RunningTasks = executions.RunningTaskIds,
    };

    /// <summary>The interval after a success; after n failures in a row n times it, at most a minute.</summary>
    private static TimeSpan Backoff(TimeSpan interval, int failures) =>
        failures == 0 ? interval : TimeSpan.FromTicks(Math.Min(interval.Ticks * (failures + 1), Math.Max(interval.Ticks, MaxBackoff.Ticks)));

    private async Task Delay(TimeSpan delay, Task? wake = null)
    {
        try
        {
            var sleep = Task.Delay(delay, clock, _stop.Token);
            await (wake is null ? sleep : Task.WhenAny(sleep, wake));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
