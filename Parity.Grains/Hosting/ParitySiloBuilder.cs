using Parity.Chain;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Parity.Configuration;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Learning.Compute.Gpu;
using Parity.Llm;
using Parity.Llm.Embedded;
using Parity.Llm.Ollama;
using Parity.Runners;
using Parity.Storage;
using Parity.Tasks;
using Parity.Federation;
using Parity.Network;
using StackExchange.Redis;

namespace Parity.Hosting;

public static class ParitySiloBuilder
{
    /// <summary>
    /// The grains, this machine's runner and its executors, with every options room read from
    /// <paramref name="configuration"/>. Shared by the real host and the test clusters.
    /// </summary>
    public static ISiloBuilder AddParityRunner(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.AddPlacementDirector<SiloNamePlacement, SiloNamePlacementDirector>();
        silo.AddPlacementDirector<HintedPlacement, HintedPlacementDirector>();
        silo.AddPlacementDirector<IndexShardPlacement, IndexShardPlacementDirector>();
        // W3C trace context across grain calls: a span is made only while something listens (an OTLP exporter).
        silo.AddActivityPropagation();
        var services = silo.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddParityRunnerOptions(configuration);
        // The silo's own name and cluster id are the truth (test clusters choose their own).
        services.AddOptions<ClusteringOptions>().PostConfigure<ILocalSiloDetails, IOptions<ClusterOptions>>((cluster, local, orleans) =>
        {
            cluster.SiloName = local.Name;
            cluster.ClusterId = orleans.Value.ClusterId;
        });
        services.AddSingleton<SiloWorkFolder>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloWorkFolder>());
        services.AddSingleton<ITaskExecutor, ShellExecutor>();
        services.AddSingleton<DockerEngine>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DockerEngine>());
        services.AddSingleton<ITaskExecutor, DockerExecutor>();
        services.AddSingleton(sp =>
        {
            var retention = sp.GetRequiredService<RetentionOptions>();
            // Per silo by default: several silos of one machine (and of a test run) never share a folder.
            return new OutputStore(retention.OutputDirectory ?? Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".parity", "outputs",
                SafeName.Of(sp.GetRequiredService<ClusteringOptions>().SiloName)));
        });
        services.AddSingleton<LongOutputs>();
        services.AddSingleton<TaskRunService>();
        services.AddSingleton(sp => new EmbeddedLlmBackend(sp.GetRequiredService<LlmOptions>().Embedded));
        services.AddSingleton(sp => new OllamaLlmBackend(sp.GetRequiredService<LlmOptions>().Ollama
            ?? throw new InvalidOperationException("OLLAMA_URL is off: no Ollama backend")));
        // Whether Ollama is one of the backends is a bound value (OLLAMA_URL=off), known only once the options are
        // read, so the list is one registration; the backends in it are the container's singletons, disposed with it.
        services.AddSingleton<IEnumerable<ILlmBackend>>(sp => sp.GetRequiredService<LlmOptions>().Ollama is null
            ? [sp.GetRequiredService<EmbeddedLlmBackend>()]
            : [sp.GetRequiredService<EmbeddedLlmBackend>(), sp.GetRequiredService<OllamaLlmBackend>()]);
        services.AddSingleton<RunnerModels>();
        services.AddSingleton<ModelPulls>();
        services.AddSingleton<ITaskExecutor, LlmExecutor>();
        services.AddHttpClient(nameof(ContentFetcher), http => http.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<StorageOptions>();
            Directory.CreateDirectory(storage.CacheDirectory);
            var cache = new FileBlockstore(storage.CacheDirectory, storage.CacheMaxBytes);
            var http = sp.GetRequiredService<IHttpClientFactory>();
            var logs = sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>();
            // One gateway fetch per file: a gateway caught lying is dropped for that file, and asked again for the next.
            return new ContentFetcher(() => new GatewayFetch(cache,
                RemoteBlocks.Create(http.CreateClient(nameof(ContentFetcher)), storage.Gateways, storage, logs)));
        });
        services.AddSingleton<IDatasetSource>(sp =>
        {
            var datasets = sp.GetRequiredService<DatasetOptions>();
            return datasets.Directory is { } directory
                ? new DirectoryDatasetSource(directory, datasets.MaxBytes)
                : new IpfsDatasetSource(sp.GetRequiredService<ContentFetcher>(), datasets.MaxBytes);
        });
        services.AddSingleton<ParsedDatasets>();
        services.AddSingleton<ITaskExecutor, FederatedExecutor>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RunnerModels>());
        // CUDA > OpenCL > the CPU SIMD path, chosen once per process; never ILGPU's CPU emulator.
        services.AddSingleton(_ => AcceleratorSelector.Select());
        services.AddSingleton<MachineCapabilities>();
        services.AddSingleton<RunnerDirectoryCache>();
        services.AddSingleton<TaskAdmission>();
        services.AddSingleton<TaskIndexUpdates>();
        // The task type table's silo side: routers and completion hooks per type (executors are registered above).
        services.AddSingleton<DirectoryTaskRouter>();
        services.AddSingleton<ITaskRouter>(sp => sp.GetRequiredService<DirectoryTaskRouter>());
        services.AddSingleton<ITaskRouter, LlmTaskRouter>();
        services.AddSingleton<ITaskRouter, FederatedTaskRouter>();
        services.AddSingleton<ITaskFinishedHook, LlmUsageHook>();
        services.AddSingleton<ITaskFinishedHook, FederatedRoundHook>();
        // Every type earns a reward once it completes (the ledger keeps one entry per task id).
        foreach (var type in Enum.GetValues<TaskType>())
            services.AddSingleton<ITaskFinishedHook>(sp => new RewardHook(type, sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<RewardPayoutWaker>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RewardPayoutWaker>());
        // Network mode: the upstream report hooks come last of all (see UpstreamReportHook), then the lifecycle.
        services.AddParityNetwork(configuration);
        services.AddSingleton<TaskHandlers>();
        services.AddHostedService(sp => sp.GetRequiredService<RunnerDirectoryCache>());
        services.AddSingleton<RunnerLifecycle>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RunnerLifecycle>());
        return silo;
    }

    /// <summary>
    /// Clustering, grain storage and reminders: in memory on localhost, or all in Redis; and the transport's mutual TLS
    /// where CLUSTER_TLS_* is set (see <see cref="ClusterTransport"/>).
    /// </summary>
    public static ISiloBuilder AddParityCluster(this ISiloBuilder silo, ClusteringOptions cluster)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ClusterId;
        });
        silo.Configure<SiloOptions>(o => o.SiloName = cluster.SiloName);
        switch (cluster.Clustering)
        {
            case ClusteringMode.Localhost:
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.SiloGatewayPort,
                    primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, cluster.SiloPort),
                    serviceId: cluster.ClusterId, clusterId: cluster.ClusterId);
                // In-process state never leaves the silo, so it takes Orleans' binary serializer instead of the
                // default JSON one (every task write and index flush is several times cheaper), and lives in this
                // process rather than in Orleans' memory-storage grains (one grain call less per write).
                silo.Services.AddKeyedSingleton<IGrainStorage>(ParityStorage.Name, (services, _) =>
                    new LocalGrainStorage(services.GetRequiredService<Serializer>()));
                silo.UseInMemoryReminderService();
                break;
            case ClusteringMode.Redis:
                var redis = ConfigurationOptions.Parse(cluster.RedisConnectionString!);
                // Listen on the address the other machines are told about, not on every interface of this one.
                silo.ConfigureEndpoints(cluster.AdvertisedIp, cluster.SiloPort, cluster.SiloGatewayPort, listenOnAnyHostAddress: false);
                silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
                silo.AddParityRedisStorage(redis);
                silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
                break;
        }
        if (ClusterTransport.Credentials(cluster, silo.Services) is { } credentials)
            silo.UseTls(tls => ClusterTransport.Configure(tls, credentials));
        return silo;
    }

    /// <summary>
    /// Grain state in Redis. A cleared state (an expired task) deletes its key: Orleans' default writes an empty record
    /// in its place, which would keep one key per task ever run.
    /// </summary>
    public static ISiloBuilder AddParityRedisStorage(this ISiloBuilder silo, ConfigurationOptions redis) =>
        silo.AddRedisGrainStorage(ParityStorage.Name, o =>
        {
            o.ConfigurationOptions = redis;
            o.DeleteStateOnClear = true;
        });
}
