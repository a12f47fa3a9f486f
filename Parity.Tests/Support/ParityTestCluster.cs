using Parity.Runners;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using Parity.Hosting;
using Parity.Tasks;
using StackExchange.Redis;

namespace Parity.Tests.Support;

/// <summary>
/// An in-process cluster of real silos with Parity's grains and runners, grain state in the real Redis (so it
/// survives a silo that stops), and timings short enough for tests.
/// </summary>
public sealed class ParityTestCluster : IAsyncDisposable
{
    public static readonly Dictionary<string, string?> FastTimings = new()
    {
        ["RUNNER_HEARTBEAT_INTERVAL"] = "200ms",
        ["RUNNER_LEASE_DURATION"] = "2s",
        ["RUNNER_DISPATCH_TIMEOUT"] = "30s",
        ["RUNNER_MAX_CONCURRENT_TASKS"] = "2",
        ["RUNNER_SHELL_ENABLED"] = "true",
        // Never the user's ~/.parity/cache: a test run leaves nothing in the home directory.
        ["RUNNER_CACHE_DIR"] = Path.Combine(Path.GetTempPath(), $"parity-tests-{Environment.ProcessId}", "cache"),
    };

    private ParityTestCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }
    public IClusterClient Client => Cluster.Client;

    /// <param name="overrides">Per-silo settings on top of <see cref="FastTimings"/>: silo index (0-based) → keys.</param>
    /// <param name="configure">More for every silo's builder (a test's grain call filter, say).</param>
    public static async Task<ParityTestCluster> StartAsync(int silos = 2,
        Func<int, IReadOnlyDictionary<string, string?>>? overrides = null, Action<ISiloBuilder>? configure = null)
    {
        var redis = ConfigurationOptions.Parse(TestEngines.Redis);
        var builder = new InProcessTestClusterBuilder((short)silos);
        var siloIndex = 0;
        var indexByName = new Dictionary<string, int>();
        builder.ConfigureSilo((options, silo) =>
        {
            int index;
            lock (indexByName)
                if (!indexByName.TryGetValue(options.SiloName, out index)) indexByName[options.SiloName] = index = siloIndex++;
            silo.AddParityRunner(Configuration(index, overrides));
            silo.AddParityRedisStorage(redis);
            silo.UseInMemoryReminderService();
            configure?.Invoke(silo);
        });
        // As the gateway's client does (ParityClientBuilder): a test's API call and its grain calls are one trace.
        builder.ConfigureClient(client => client.AddActivityPropagation());
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var parity = new ParityTestCluster(cluster);
        await parity.WaitForRunners(silos);
        return parity;
    }

    public static IConfiguration Configuration(int index, Func<int, IReadOnlyDictionary<string, string?>>? overrides)
    {
        var values = new Dictionary<string, string?>(FastTimings)
        {
            // Never the user's ~/.parity/outputs either; one folder per silo, as a silo's default is.
            ["RUNNER_OUTPUT_DIR"] = Path.Combine(Path.GetTempPath(), $"parity-tests-{Environment.ProcessId}", $"outputs-{index}"),
        };
        if (overrides is not null)
            foreach (var (key, value) in overrides(index)) values[key] = value;
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    public async Task WaitForRunners(int count) =>
        await Eventually.True(async () =>
                (await Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners()).Count(r => r.Status == Runners.RunnerStatus.Online) >= count,
            TimeSpan.FromSeconds(30), $"{count} runners online");

    public ITaskGrain TaskGrain(string id) => Client.GetGrain<ITaskGrain>(id);

    public static ParityTask Command(string command, string? id = null, int? timeoutSeconds = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var config = new Dictionary<string, object> { ["command"] = command };
        if (timeoutSeconds is not null) config["timeout_seconds"] = timeoutSeconds;
        if (environment is not null) config["environment"] = environment;
        return new ParityTask
        {
            Id = id ?? Guid.NewGuid().ToString(),
            Title = command,
            Type = TaskType.Command,
            Config = System.Text.Json.JsonSerializer.Serialize(config),
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    public async Task<ParityTask> WaitFor(string id, Func<ParityTask, bool> condition, TimeSpan timeout, string what) =>
        await Eventually.Get(async () => await TaskGrain(id).Get() is { } t && condition(t) ? t : null, timeout, $"task {id}: {what}");

    public Task<ParityTask> WaitFinished(string id, TimeSpan? timeout = null) =>
        WaitFor(id, t => t.Status.IsTerminal(), timeout ?? TimeSpan.FromSeconds(60), "finished");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Cluster.StopAllSilosAsync();
        }
        finally
        {
            await Cluster.DisposeAsync();
        }
    }
}
