using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Llm.Embedded;
using Parity.Llm.Ollama;
using Parity.Storage;

namespace Parity.Configuration;

public enum ClusteringMode
{
    /// <summary>One process (or several on one machine sharing nothing): localhost clustering, memory storage.</summary>
    Localhost,
    /// <summary>Clustering, grain storage and reminders in Redis: several silos on several machines.</summary>
    Redis,
}

/// <summary>How the silos find each other and where grain state lives (ORLEANS_*, SILO_*).</summary>
public sealed record ClusterSettings
{
    public ClusteringMode Clustering { get; init; }
    public string? RedisConnectionString { get; init; }
    public string ClusterId { get; init; } = "parity";
    public string SiloName { get; init; } = "";
    public int SiloPort { get; init; } = 11111;
    public int SiloGatewayPort { get; init; } = 30000;
    public IPAddress AdvertisedIp { get; init; } = IPAddress.Loopback;
}

/// <summary>How the cluster schedules tasks (RUNNER_* scheduling keys, TASK_QUEUE_LIMIT).</summary>
public sealed record SchedulingSettings
{
    public int MaxConcurrentTasks { get; init; } = Environment.ProcessorCount;
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxAttempts { get; init; } = 3;
    public TimeSpan DispatchTimeout { get; init; } = TimeSpan.FromMinutes(10);
    public int QueueLimit { get; init; } = 100_000;

    /// <summary>A runner whose last heartbeat is older than this shows offline.</summary>
    public TimeSpan OfflineAfter => HeartbeatInterval * 3;
}

/// <summary>The HTTP front door (GATEWAY_*, RUNNER_WEBHOOK_*).</summary>
public sealed record GatewaySettings
{
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:5080"];
    public string? ApiKey { get; init; }
    public string? WebhookSecret { get; init; }
    public bool AllowUnsignedWebhooks { get; init; }
    public int MaxBodyBytes { get; init; } = 1024 * 1024;
    public bool BindsLoopbackOnly => Urls.All(IsLoopbackUrl);

    public static bool IsLoopbackUrl(string url) =>
        ParseUrl(url) is { } uri && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>An http(s) listen URL, reading Kestrel's "+" and "*" wildcards as 0.0.0.0; null if it is not one.</summary>
    public static Uri? ParseUrl(string url) =>
        Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https" ? uri : null;
}

/// <summary>The LLM backends of this runner (OLLAMA_*, RUNNER_MODELS_DIR, RUNNER_LLM_*).</summary>
public sealed record LlmSettings
{
    /// <summary>Null when OLLAMA_URL=off.</summary>
    public OllamaOptions? Ollama { get; init; } = new();
    public EmbeddedLlmOptions Embedded { get; init; } = new() { ModelsDirectory = "models" };
    /// <summary>How often the runner re-reads its models (RUNNER_MODELS_REFRESH_INTERVAL).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The longest a model pull may take (RUNNER_MODEL_PULL_TIMEOUT).</summary>
    public TimeSpan PullTimeout { get; init; } = TimeSpan.FromMinutes(30);
}

/// <summary>Every setting of a Parity process, read and validated once at start-up.</summary>
public sealed partial record ParitySettings
{
    public ClusterSettings Cluster { get; init; } = new();
    public SchedulingSettings Scheduling { get; init; } = new();
    public GatewaySettings Gateway { get; init; } = new();
    public ShellExecutorOptions Shell { get; init; } = new();
    public DockerExecutorOptions Docker { get; init; } = new();
    public LlmSettings Llm { get; init; } = new();
    public DatasetOptions Datasets { get; init; } = new();
    /// <summary>Whether this silo process also serves the gateway (SILO_HOSTS_GATEWAY).</summary>
    public bool SiloHostsGateway { get; init; }

    public static ParitySettings Load(IConfiguration configuration)
    {
        var read = new SettingsReader(configuration);

        var clustering = read.String("ORLEANS_CLUSTERING", "localhost").ToLowerInvariant() switch
        {
            "localhost" => ClusteringMode.Localhost,
            "redis" => ClusteringMode.Redis,
            var other => throw new ConfigurationException($"ORLEANS_CLUSTERING must be 'localhost' or 'redis', got '{other}'"),
        };
        var redis = read.Raw("ORLEANS_REDIS");
        if (clustering == ClusteringMode.Redis && redis is null)
            throw new ConfigurationException("ORLEANS_REDIS is required when ORLEANS_CLUSTERING=redis (e.g. 127.0.0.1:6379)");

        var siloName = read.String("SILO_NAME", DefaultSiloName());
        if (!NamePattern().IsMatch(siloName))
            throw new ConfigurationException($"SILO_NAME must be 1-64 letters, digits, '.', '_' or '-', got '{siloName}'");
        var clusterId = read.String("ORLEANS_CLUSTER_ID", "parity");
        if (!NamePattern().IsMatch(clusterId))
            throw new ConfigurationException($"ORLEANS_CLUSTER_ID must be 1-64 letters, digits, '.', '_' or '-', got '{clusterId}'");

        var advertisedRaw = read.Raw("SILO_ADVERTISED_IP");
        var advertised = IPAddress.Loopback;
        if (advertisedRaw is not null && !IPAddress.TryParse(advertisedRaw, out advertised!))
            throw new ConfigurationException($"SILO_ADVERTISED_IP must be an IP address, got '{advertisedRaw}'");

        var cluster = new ClusterSettings
        {
            Clustering = clustering,
            RedisConnectionString = redis,
            ClusterId = clusterId,
            SiloName = siloName,
            SiloPort = read.Int("SILO_PORT", 11111, 1, 65535),
            SiloGatewayPort = read.Int("SILO_GATEWAY_PORT", 30000, 1, 65535),
            AdvertisedIp = advertised,
        };
        if (cluster.SiloPort == cluster.SiloGatewayPort)
            throw new ConfigurationException($"SILO_PORT and SILO_GATEWAY_PORT must differ, both are {cluster.SiloPort}");

        var heartbeat = read.Duration("RUNNER_HEARTBEAT_INTERVAL", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var scheduling = new SchedulingSettings
        {
            MaxConcurrentTasks = read.Int("RUNNER_MAX_CONCURRENT_TASKS", Environment.ProcessorCount, 1, 1024),
            HeartbeatInterval = heartbeat,
            LeaseDuration = read.Duration("RUNNER_LEASE_DURATION", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            MaxAttempts = read.Int("RUNNER_TASK_MAX_ATTEMPTS", 3, 1, 100),
            DispatchTimeout = read.Duration("RUNNER_DISPATCH_TIMEOUT", TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), TimeSpan.FromDays(7)),
            QueueLimit = read.Int("TASK_QUEUE_LIMIT", 100_000, 1, 10_000_000),
        };

        var urls = read.String("GATEWAY_URLS", "http://127.0.0.1:5080")
            .Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var url in urls)
            if (GatewaySettings.ParseUrl(url) is null)
                throw new ConfigurationException($"GATEWAY_URLS must be a ';'-separated list of http(s) URLs, got '{url}'");
        var apiKey = read.Raw("GATEWAY_API_KEY");
        if (apiKey is not null && apiKey.Length < 16)
            throw new ConfigurationException($"GATEWAY_API_KEY must be at least 16 characters, got {apiKey.Length}");
        var secret = read.Raw("RUNNER_WEBHOOK_SECRET");
        if (secret is not null && secret.Length < 16)
            throw new ConfigurationException($"RUNNER_WEBHOOK_SECRET must be at least 16 characters, got {secret.Length}");
        var gateway = new GatewaySettings
        {
            Urls = urls,
            ApiKey = apiKey,
            WebhookSecret = secret,
            AllowUnsignedWebhooks = read.Bool("RUNNER_WEBHOOK_ALLOW_UNSIGNED", false),
            MaxBodyBytes = (int)read.Size("GATEWAY_MAX_BODY_BYTES", 1024 * 1024, 1024, 256L * 1024 * 1024),
        };
        if (apiKey is null && !gateway.BindsLoopbackOnly)
            throw new ConfigurationException(
                $"GATEWAY_URLS binds a non-loopback address ({string.Join(";", urls)}) but GATEWAY_API_KEY is not set; " +
                "set a key or bind 127.0.0.1 only");

        var hostsGateway = read.Bool("SILO_HOSTS_GATEWAY", clustering == ClusteringMode.Localhost);
        // Shell commands are host code execution: on by default only for the standalone, loopback-only, unsigned-free setup.
        var acceptsNetworkWork = clustering != ClusteringMode.Localhost || !gateway.BindsLoopbackOnly
            || gateway.AllowUnsignedWebhooks || gateway.WebhookSecret is not null;
        var shell = new ShellExecutorOptions
        {
            Enabled = read.OptionalBool("RUNNER_SHELL_ENABLED") ?? !acceptsNetworkWork,
            WorkRoot = read.String("RUNNER_WORK_DIR", Path.Combine(Path.GetTempPath(), "parity-work")),
            MaxOutputBytes = (int)read.Size("RUNNER_MAX_OUTPUT_BYTES", 1024 * 1024, 1024, 256L * 1024 * 1024),
            ExecutionTimeout = read.Duration("RUNNER_EXECUTION_TIMEOUT", TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(1), TimeSpan.FromDays(7)),
            MemoryLimitBytes = read.Size("RUNNER_SHELL_MEMORY_LIMIT", 4L << 30, 16L << 20, 1L << 50),
            MaxProcesses = read.Int("RUNNER_SHELL_MAX_PROCESSES", 512, 1, 1_000_000),
            MaxFileSizeBytes = read.Size("RUNNER_SHELL_MAX_FILE_SIZE", 1L << 30, 1024, 1L << 50),
        };

        var dockerHostRaw = read.String("RUNNER_DOCKER_HOST", "unix:///var/run/docker.sock");
        if (!Uri.TryCreate(dockerHostRaw, UriKind.Absolute, out var dockerHost) || dockerHost.Scheme is not ("unix" or "tcp" or "http" or "https"))
            throw new ConfigurationException(
                $"RUNNER_DOCKER_HOST must be a unix:///path/docker.sock or tcp://host:port address, got '{dockerHostRaw}'");
        var docker = new DockerExecutorOptions
        {
            Host = dockerHost,
            CpuLimit = read.Double("RUNNER_DOCKER_CPU_LIMIT", Environment.ProcessorCount, 0.01, 1024),
            MemoryLimitBytes = read.Size("RUNNER_DOCKER_MEMORY_LIMIT", 2L << 30, DockerTaskConfig.MinMemoryBytes, 1L << 50),
            PidsLimit = read.Int("RUNNER_DOCKER_PIDS_LIMIT", 256, 8, 1_000_000),
            TmpfsBytes = read.Size("RUNNER_DOCKER_TMPFS_SIZE", 64L << 20, 1L << 20, 1L << 40),
            User = read.String("RUNNER_DOCKER_USER", "65534:65534"),
            AllowNetwork = read.Bool("RUNNER_DOCKER_ALLOW_NETWORK", false),
            EngineTimeout = read.Duration("RUNNER_DOCKER_TIMEOUT", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromHours(6)),
            ExecutionTimeout = shell.ExecutionTimeout,
            MaxImageBytes = read.Size("RUNNER_DOCKER_MAX_IMAGE_SIZE", 4L << 30, 1L << 20, 1L << 50),
            PingInterval = read.Duration("RUNNER_DOCKER_PING_INTERVAL", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
        };
        if (!UserPattern().IsMatch(docker.User))
            throw new ConfigurationException($"RUNNER_DOCKER_USER must be a user like 65534 or 65534:65534 or nobody, got '{docker.User}'");

        var ollamaRaw = read.String("OLLAMA_URL", "http://127.0.0.1:11434");
        OllamaOptions? ollama = null;
        if (!ollamaRaw.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            if (GatewaySettings.ParseUrl(ollamaRaw) is not { } ollamaUrl)
                throw new ConfigurationException($"OLLAMA_URL must be an http(s) URL like http://127.0.0.1:11434, or off, got '{ollamaRaw}'");
            ollama = new OllamaOptions
            {
                Url = ollamaUrl,
                RequestTimeout = read.Duration("OLLAMA_TIMEOUT", TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            };
        }
        var llm = new LlmSettings
        {
            Ollama = ollama,
            Embedded = new EmbeddedLlmOptions
            {
                ModelsDirectory = read.String("RUNNER_MODELS_DIR",
                    Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".parity", "models")),
                Threads = read.Int("RUNNER_LLM_THREADS", Math.Max(1, Environment.ProcessorCount / 2), 1, 1024),
                ContextSize = read.Int("RUNNER_LLM_CONTEXT_SIZE", 2048, 16, 1 << 20),
                MaxLoadedModels = read.Int("RUNNER_LLM_MAX_LOADED_MODELS", 1, 1, 64),
            },
            RefreshInterval = read.Duration("RUNNER_MODELS_REFRESH_INTERVAL", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24)),
            PullTimeout = read.Duration("RUNNER_MODEL_PULL_TIMEOUT", TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(1), TimeSpan.FromDays(7)),
        };

        var datasets = new DatasetOptions
        {
            Directory = read.String("RUNNER_DATASETS_DIR",
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".parity", "datasets")),
            MaxBytes = read.Size("RUNNER_DATASET_MAX_SIZE", 4L << 30, 1024, 1L << 50),
        };

        return new ParitySettings
        {
            Datasets = datasets,
            Cluster = cluster,
            Scheduling = scheduling,
            Gateway = gateway,
            Shell = shell,
            Docker = docker,
            Llm = llm,
            SiloHostsGateway = hostsGateway,
        };
    }

    private static string DefaultSiloName()
    {
        var host = new string(Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').ToArray());
        return string.IsNullOrEmpty(host) ? "silo" : host[..Math.Min(host.Length, 64)];
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$")]
    private static partial Regex UserPattern();
}
