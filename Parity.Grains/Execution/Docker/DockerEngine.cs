using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Parity.Configuration;

namespace Parity.Execution.Docker;

/// <summary>
/// This runner's container engine: one API client, whether the engine answers (a runner capability, re-checked every
/// <see cref="DockerExecutorOptions.PingInterval"/>), and the labels that mark the containers this silo owns. Before the
/// runner takes work it removes its own containers left behind by a previous crash, and as the silo stops, any it still owns.
/// </summary>
public sealed class DockerEngine : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    public const string TaskLabel = "parity.task";
    public const string SiloLabel = "parity.silo";
    public const string ClusterLabel = "parity.cluster";
    public const string AttemptLabel = "parity.attempt";

    private readonly DockerExecutorOptions _options;
    private readonly ClusteringOptions _cluster;
    private readonly ILogger<DockerEngine> _logger;
    private readonly DockerClientConfiguration _configuration;
    private readonly CancellationTokenSource _stop = new();
    private volatile string? _version;
    private Task? _monitor;
    private int _disposed;

    public DockerEngine(DockerExecutorOptions options, ClusteringOptions cluster, ILogger<DockerEngine> logger)
    {
        _options = options;
        _cluster = cluster;
        _logger = logger;
        // Every call is bounded by its own token (engine operations by RUNNER_DOCKER_TIMEOUT, the wait by the run's timeout).
        _configuration = new DockerClientConfiguration(options.Host, defaultTimeout: Timeout.InfiniteTimeSpan);
        Client = _configuration.CreateClient();
    }

    public DockerClient Client { get; }
    public Uri Host => _options.Host;

    /// <summary>The engine answered the last ping.</summary>
    public bool Available => _version is not null;

    /// <summary>The engine's version, when it answers.</summary>
    public string? Version => _version;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DockerEngine), ServiceLifecycleStage.ApplicationServices, OnStart, OnStop);

    private async Task OnStart(CancellationToken cancellation)
    {
        if (await RefreshAsync(cancellation)) await RemoveOrphansAsync(cancellation);
        _monitor = Task.Run(MonitorAsync, CancellationToken.None);
    }

    /// <summary>
    /// Runs after the runner stopped its executions (a later stage), each of which removed its own container. Whatever
    /// this silo still owns then is left over (a run past the stop budget, an engine that did not answer a removal in
    /// time): the silo takes it down with it rather than leave it running until its next start.
    /// </summary>
    private async Task OnStop(CancellationToken cancellation)
    {
        _stop.Cancel();
        if (_monitor is not null) await _monitor;
        if (!Available) return;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        bounded.CancelAfter(_options.EngineTimeout);
        try
        {
            await RemoveOwnedAsync("was still running as the silo stopped", bounded.Token);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Removing the containers of {Silo} at its stop ran out of time; its next start removes them",
                _cluster.SiloName);
        }
    }

    private async Task MonitorAsync()
    {
        using var timer = new PeriodicTimer(_options.PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) await RefreshAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Pings the engine and records whether it answers; logs when that changes.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellation)
    {
        var before = _version;
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            bounded.CancelAfter(TimeSpan.FromSeconds(Math.Min(10, _options.EngineTimeout.TotalSeconds)));
            var version = await Client.System.GetVersionAsync(bounded.Token);
            _version = $"{version.Version} (API {version.APIVersion})";
            if (before is null) _logger.LogInformation("Docker engine at {Host} is available: {Version}", Host, _version);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            _version = null;
            if (before is not null)
                _logger.LogWarning("Docker engine at {Host} stopped answering ({Error}); this runner takes no docker tasks until it is back",
                    Host, e.Message);
            else if (_monitor is null)
                _logger.LogInformation("No Docker engine answers at {Host} ({Error}); this runner takes no docker tasks (RUNNER_DOCKER_HOST)",
                    Host, e.Message);
        }
        return _version is not null;
    }

    public IDictionary<string, string> Labels(string taskId, int attempt) => new Dictionary<string, string>
    {
        [ClusterLabel] = _cluster.ClusterId,
        [SiloLabel] = _cluster.SiloName,
        [TaskLabel] = taskId,
        [AttemptLabel] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Filters selecting every container this silo owns.</summary>
    public IDictionary<string, IDictionary<string, bool>> OwnedFilter() => new Dictionary<string, IDictionary<string, bool>>
    {
        ["label"] = new Dictionary<string, bool>
        {
            [$"{ClusterLabel}={_cluster.ClusterId}"] = true,
            [$"{SiloLabel}={_cluster.SiloName}"] = true,
        },
    };

    /// <summary>Removes every container this silo owns. Called before the runner takes work, so all of them are orphans.</summary>
    public Task<int> RemoveOrphansAsync(CancellationToken cancellation) =>
        RemoveOwnedAsync("was left by a previous run", cancellation);

    private async Task<int> RemoveOwnedAsync(string why, CancellationToken cancellation)
    {
        try
        {
            var orphans = await Client.Containers.ListContainersAsync(
                new ContainersListParameters { All = true, Filters = OwnedFilter() }, cancellation);
            foreach (var orphan in orphans)
            {
                await Client.Containers.RemoveContainerAsync(orphan.ID, new ContainerRemoveParameters { Force = true }, cancellation);
                _logger.LogWarning("Removed container {Container} of task {TaskId}, which {Why} of {Silo}",
                    orphan.ID[..12], orphan.Labels.TryGetValue(TaskLabel, out var task) ? task : "?", why, _cluster.SiloName);
            }
            return orphans.Count;
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException)
        {
            _logger.LogWarning(e, "Could not remove the containers of {Silo} (one {Why})", _cluster.SiloName, why);
            return 0;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        Client.Dispose();
        _configuration.Dispose();
        _stop.Dispose();
    }
}
