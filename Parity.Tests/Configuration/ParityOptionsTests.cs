using Microsoft.Extensions.Configuration;
using Parity.Configuration;
using Parity.Execution;

namespace Parity.Tests.Configuration;

public sealed class ParityOptionsTests
{
    private static RunnerRooms Load(params (string Key, string? Value)[] values) =>
        RunnerRooms.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void No_configuration_is_a_standalone_loopback_cluster_with_shell_enabled()
    {
        var settings = Load();
        Assert.Equal(ClusteringMode.Localhost, settings.Cluster.Clustering);
        Assert.Equal(["http://127.0.0.1:5080"], settings.Gateway.Urls);
        Assert.True(settings.Cluster.HostsGateway);
        Assert.True(settings.Shell.Enabled);
        Assert.Equal(Environment.ProcessorCount, settings.Scheduling.MaxConcurrentTasks);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.Shell.ExecutionTimeout);
    }

    [Fact]
    public void Shell_task_limits_have_their_documented_defaults_and_each_key_sets_its_own()
    {
        // The record compares every limit: a key read into another limit, or a default changed, fails.
        var defaults = Load().Shell;
        Assert.Equal(new ShellExecutorOptions
        {
            Enabled = true, MaxOutputBytes = 1 << 20, ExecutionTimeout = TimeSpan.FromMinutes(30), MemoryLimitBytes = 4L << 30,
            MaxProcesses = 512, CpuLimit = Environment.ProcessorCount, MaxFileSizeBytes = 1L << 30, DiskLimitBytes = 1L << 30,
            AllowNetwork = false,
        }, defaults);

        var set = Load(("RUNNER_SHELL_ENABLED", "false"), ("RUNNER_MAX_OUTPUT_BYTES", "2MiB"), ("RUNNER_EXECUTION_TIMEOUT", "90s"),
            ("RUNNER_SHELL_MEMORY_LIMIT", "256MiB"), ("RUNNER_SHELL_MAX_PROCESSES", "40"), ("RUNNER_SHELL_CPU_LIMIT", "0.5"),
            ("RUNNER_SHELL_MAX_FILE_SIZE", "8MiB"), ("RUNNER_SHELL_DISK_LIMIT", "64MiB"), ("RUNNER_SHELL_ALLOW_NETWORK", "true")).Shell;
        Assert.Equal(new ShellExecutorOptions
        {
            Enabled = false, MaxOutputBytes = 2 << 20, ExecutionTimeout = TimeSpan.FromSeconds(90), MemoryLimitBytes = 256L << 20,
            MaxProcesses = 40, CpuLimit = 0.5, MaxFileSizeBytes = 8L << 20, DiskLimitBytes = 64L << 20, AllowNetwork = true,
        }, set);
    }

    [Fact]
    public void Ollama_can_be_switched_off_and_the_models_directory_set()
    {
        Assert.Equal(new Uri("http://127.0.0.1:11434"), Load().Llm.Ollama!.Url);
        var settings = Load(("OLLAMA_URL", "off"), ("RUNNER_MODELS_DIR", "/srv/models"));
        Assert.Null(settings.Llm.Ollama);
        Assert.Equal("/srv/models", settings.Llm.Embedded.ModelsDirectory);
    }

    [Fact]
    public void Docker_defaults_are_the_sandbox_and_the_run_shares_the_execution_timeout()
    {
        var settings = Load(("RUNNER_EXECUTION_TIMEOUT", "2m"), ("RUNNER_DOCKER_MEMORY_LIMIT", "512m"), ("RUNNER_DOCKER_CPU_LIMIT", "1.5"));
        Assert.Equal(new Uri("unix:///var/run/docker.sock"), settings.Docker.Host);
        Assert.False(settings.Docker.AllowNetwork);
        Assert.Equal("65534:65534", settings.Docker.User);
        Assert.Equal(512L << 20, settings.Docker.MemoryLimitBytes);
        Assert.Equal(1.5, settings.Docker.CpuLimit);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Docker.ExecutionTimeout);
        Assert.Empty(settings.Docker.FetchAllow.Allow);
        Assert.Equal(64L << 20, settings.Docker.VolumeTmpfsBytes);
    }

    [Fact]
    public void The_docker_fetch_allow_list_and_volume_size_are_read()
    {
        var settings = Load(("RUNNER_DOCKER_FETCH_ALLOW", "10.20.0.0/16, 127.0.0.1/32"), ("RUNNER_DOCKER_VOLUME_SIZE", "16m"));
        Assert.Equal(["10.20.0.0/16", "127.0.0.1/32"], settings.Docker.FetchAllow.Allow.Select(n => n.ToString()));
        Assert.Equal(16L << 20, settings.Docker.VolumeTmpfsBytes);
    }

    [Theory]
    [InlineData("ORLEANS_CLUSTERING", "redis")]
    [InlineData("RUNNER_WEBHOOK_SECRET", "0123456789abcdef0123")]
    [InlineData("RUNNER_WEBHOOK_ALLOW_UNSIGNED", "true")]
    [InlineData("RUNNER_SERVER_URL", "http://127.0.0.1:1")]
    public void Accepting_work_from_the_network_disables_shell_by_default(string key, string value)
    {
        // (A redis cluster also needs TLS or CLUSTER_ALLOW_INSECURE to start at all; the shell default is the point here.)
        var settings = Load((key, value), ("ORLEANS_REDIS", "127.0.0.1:1"), ("CLUSTER_ALLOW_INSECURE", "true"));
        Assert.False(settings.Shell.Enabled);
        Assert.True(Load((key, value), ("ORLEANS_REDIS", "127.0.0.1:1"), ("CLUSTER_ALLOW_INSECURE", "true"), ("RUNNER_SHELL_ENABLED", "true")).Shell.Enabled);
    }

    [Fact]
    public void A_public_binding_without_an_api_key_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(("GATEWAY_URLS", "http://0.0.0.0:5080")));
        Assert.Contains("GATEWAY_API_KEY is not set", error.Message);
        var settings = Load(("GATEWAY_URLS", "http://0.0.0.0:5080"), ("GATEWAY_API_KEY", "a-long-enough-api-key"));
        Assert.False(settings.Gateway.BindsLoopbackOnly);
        Assert.False(settings.Shell.Enabled);
    }

    [Theory]
    [InlineData(null, "http://127.0.0.1:5080/")]
    [InlineData("http://0.0.0.0:6000", "http://127.0.0.1:6000/")]
    [InlineData("http://10.1.2.3:7000;http://127.0.0.1:7001", "http://10.1.2.3:7000/")]
    public void Runners_fetch_from_the_clusters_own_gateway_unless_IPFS_GATEWAYS_says_otherwise(string? urls, string expected)
    {
        var settings = urls is null ? Load() : Load(("GATEWAY_URLS", urls), ("GATEWAY_API_KEY", "a-long-enough-api-key"));
        Assert.Equal([new Uri(expected)], settings.Storage.Gateways);
        Assert.Equal([new Uri("http://gw.example/x/")], Load(("IPFS_GATEWAYS", "http://gw.example/x/")).Storage.Gateways);
    }

    [Fact]
    public void Retention_defaults_and_values_are_read()
    {
        var defaults = Load().Retention;
        Assert.Equal(TimeSpan.FromDays(7), defaults.Retention);
        Assert.Equal(20_000, defaults.MaxFinished);
        Assert.Equal(16 * 1024, defaults.InlineLimit);
        Assert.Null(defaults.OutputDirectory);

        var set = Load(("RESULT_RETENTION", "90m"), ("RESULT_RETENTION_COUNT", "500"), ("RESULT_INLINE_LIMIT", "64k"),
            ("RUNNER_OUTPUT_DIR", "/srv/outputs")).Retention;
        Assert.Equal(TimeSpan.FromMinutes(90), set.Retention);
        Assert.Equal(500, set.MaxFinished);
        Assert.Equal(64 * 1024, set.InlineLimit);
        Assert.Equal("/srv/outputs", set.OutputDirectory);
        // A tenth of the retention, kept between a second and a minute.
        Assert.Equal(TimeSpan.FromMinutes(1), set.ExpiryPeriod);
        Assert.Equal(TimeSpan.FromSeconds(1), Load(("RESULT_RETENTION", "2s")).Retention.ExpiryPeriod);
    }

    [Theory]
    [InlineData("RUNNER_MAX_CONCURRENT_TASKS", "zero", "RUNNER_MAX_CONCURRENT_TASKS must be an integer from 1 to 1024, got 'zero'")]
    [InlineData("RUNNER_MAX_CONCURRENT_TASKS", "0", "RUNNER_MAX_CONCURRENT_TASKS must be an integer from 1 to 1024, got '0'")]
    [InlineData("RUNNER_EXECUTION_TIMEOUT", "soon", "RUNNER_EXECUTION_TIMEOUT must be a duration")]
    [InlineData("RUNNER_LEASE_DURATION", "100ms", "RUNNER_LEASE_DURATION must be a duration from 1s to 1h")]
    [InlineData("RUNNER_SHELL_ENABLED", "maybe", "RUNNER_SHELL_ENABLED must be true or false, got 'maybe'")]
    [InlineData("RUNNER_MAX_OUTPUT_BYTES", "12q", "RUNNER_MAX_OUTPUT_BYTES must be a size")]
    [InlineData("ORLEANS_CLUSTERING", "zookeeper", "ORLEANS_CLUSTERING must be 'localhost' or 'redis', got 'zookeeper'")]
    [InlineData("ORLEANS_CLUSTERING", "redis", "ORLEANS_REDIS is required when ORLEANS_CLUSTERING=redis")]
    [InlineData("SILO_NAME", "my silo", "SILO_NAME must be 1-64 letters")]
    [InlineData("SILO_ADVERTISED_IP", "not-an-ip", "SILO_ADVERTISED_IP must be an IP address, got 'not-an-ip'")]
    [InlineData("SILO_PORT", "30000", "SILO_PORT and SILO_GATEWAY_PORT must differ")]
    [InlineData("GATEWAY_URLS", "ftp://x", "GATEWAY_URLS must be a ';'-separated list of http(s) URLs, got 'ftp://x'")]
    [InlineData("GATEWAY_API_KEY", "short", "GATEWAY_API_KEY must be at least 16 characters, got 5")]
    [InlineData("RUNNER_WEBHOOK_SECRET", "short", "RUNNER_WEBHOOK_SECRET must be at least 16 characters")]
    [InlineData("RUNNER_DOCKER_FETCH_ALLOW", "10.0.0.1/8", "RUNNER_DOCKER_FETCH_ALLOW must be comma-separated CIDRs")]
    [InlineData("TASK_QUEUE_LIMIT", "-5", "TASK_QUEUE_LIMIT must be an integer from 1 to 10000000")]
    [InlineData("RESULT_RETENTION", "forever", "RESULT_RETENTION must be a duration")]
    [InlineData("RESULT_RETENTION", "0s", "RESULT_RETENTION must be a duration")]
    [InlineData("RESULT_RETENTION_COUNT", "0", "RESULT_RETENTION_COUNT must be an integer from 1 to 10000000, got '0'")]
    [InlineData("RESULT_INLINE_LIMIT", "10", "RESULT_INLINE_LIMIT must be a size")]
    [InlineData("RESULT_INLINE_LIMIT", "1g", "RESULT_INLINE_LIMIT must be a size")]
    [InlineData("RUNNER_DOCKER_HOST", "/var/run/docker.sock", "RUNNER_DOCKER_HOST must be a unix:///path/docker.sock or tcp://host:port address, got '/var/run/docker.sock'")]
    [InlineData("RUNNER_DOCKER_CPU_LIMIT", "lots", "RUNNER_DOCKER_CPU_LIMIT must be a number from 0.01 to 1024, got 'lots'")]
    [InlineData("RUNNER_DOCKER_CPU_LIMIT", "NaN", "RUNNER_DOCKER_CPU_LIMIT must be a number from 0.01 to 1024, got 'NaN'")]
    [InlineData("RUNNER_DOCKER_MEMORY_LIMIT", "1m", "RUNNER_DOCKER_MEMORY_LIMIT must be a size from 6291456")]
    [InlineData("RUNNER_DOCKER_PIDS_LIMIT", "2", "RUNNER_DOCKER_PIDS_LIMIT must be an integer from 8 to 1000000, got '2'")]
    [InlineData("RUNNER_DOCKER_USER", "root; rm", "RUNNER_DOCKER_USER must be a user like 65534 or 65534:65534 or nobody, got 'root; rm'")]
    [InlineData("OLLAMA_URL", "localhost:11434", "OLLAMA_URL must be an http(s) URL like http://127.0.0.1:11434, or off, got 'localhost:11434'")]
    [InlineData("RUNNER_LLM_THREADS", "0", "RUNNER_LLM_THREADS must be an integer from 1 to 1024, got '0'")]
    [InlineData("RUNNER_DOCKER_ALLOW_NETWORK", "sometimes", "RUNNER_DOCKER_ALLOW_NETWORK must be true or false, got 'sometimes'")]
    [InlineData("RUNNER_DOCKER_VOLUME_SIZE", "1k", "RUNNER_DOCKER_VOLUME_SIZE must be a size")]
    [InlineData("RUNNER_SHELL_DISK_LIMIT", "huge", "RUNNER_SHELL_DISK_LIMIT must be a size")]
    [InlineData("RUNNER_SHELL_CPU_LIMIT", "0", "RUNNER_SHELL_CPU_LIMIT must be a number from 0.01 to 1024, got '0'")]
    [InlineData("RUNNER_SHELL_ALLOW_NETWORK", "yes please", "RUNNER_SHELL_ALLOW_NETWORK must be true or false, got 'yes please'")]
    [InlineData("RUNNER_MODEL_PULL_ALLOW", "llama;rm", "RUNNER_MODEL_PULL_ALLOW takes comma-separated model names")]
    [InlineData("RUNNER_MODEL_PULL_CONCURRENCY", "0", "RUNNER_MODEL_PULL_CONCURRENCY must be an integer from 1 to 64, got '0'")]
    [InlineData("RUNNER_LLM_MAX_TOKENS", "-1", "RUNNER_LLM_MAX_TOKENS must be an integer from 1 to")]
    [InlineData("CLUSTER_ALLOW_INSECURE", "perhaps", "CLUSTER_ALLOW_INSECURE must be true or false, got 'perhaps'")]
    [InlineData("IPFS_GATEWAYS", "http://127.0.0.1:8080,ftp://x", "IPFS_GATEWAYS[1] must be an http(s) URL with no user, query or fragment")]
    [InlineData("IPFS_GATEWAYS", "http://u:p@gw.example", "IPFS_GATEWAYS[0] must be an http(s) URL with no user, query or fragment")]
    [InlineData("IPFS_API_URL", "localhost:5001", "IPFS_API_URL must be an http(s) URL of a Kubo RPC API")]
    [InlineData("STORAGE_MAX_FILE_SIZE", "big", "STORAGE_MAX_FILE_SIZE must be a size")]
    [InlineData("RUNNER_CACHE_SIZE", "1k", "RUNNER_CACHE_SIZE must be a size")]
    [InlineData("IPFS_TIMEOUT", "soon", "IPFS_TIMEOUT must be a duration")]
    [InlineData("IPFS_STALL_TIMEOUT", "1ms", "IPFS_STALL_TIMEOUT must be a duration")]
    public void Invalid_values_fail_naming_the_key(string key, string value, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load((key, value)));
        Assert.StartsWith(expected, error.Message);
    }

    [Theory]
    [InlineData("90", 90_000)]
    [InlineData("250ms", 250)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    public void Durations_read_go_style_or_seconds(string text, long milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), ConfigurationReader.ParseDuration(text));

    [Theory]
    [InlineData("5x")]
    [InlineData("s")]
    [InlineData("10s junk")]
    public void Bad_durations_are_not_read(string text) => Assert.Null(ConfigurationReader.ParseDuration(text));

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("512k", 512 * 1024)]
    [InlineData("64m", 64L << 20)]
    [InlineData("2G", 2L << 30)]
    public void Sizes_read_binary_suffixes(string text, long bytes) => Assert.Equal(bytes, ConfigurationReader.ParseSize(text));
}

[Collection(nameof(EnvironmentVariableTests))]
public sealed class EnvironmentVariableTests
{
    [Fact]
    public void The_env_file_is_read_and_environment_variables_win()
    {
        var dir = Directory.CreateTempSubdirectory("parity-env-");
        var file = Path.Combine(dir.FullName, "test.env");
        File.WriteAllText(file, "# comment\nRUNNER_MAX_CONCURRENT_TASKS=7\nSILO_NAME=from-file\n");
        Environment.SetEnvironmentVariable("SILO_NAME", "from-env");
        try
        {
            var settings = RunnerRooms.Read(new ConfigurationBuilder().AddParitySources(file).Build());
            Assert.Equal(7, settings.Scheduling.MaxConcurrentTasks);
            Assert.Equal("from-env", settings.Cluster.SiloName);

            Environment.SetEnvironmentVariable("PARITY_CONFIG_PATH", file);
            Assert.Equal(file, DotEnvFile.Locate(configPathFlag: null));
            var missing = Assert.Throws<ConfigurationException>(() => DotEnvFile.Locate(Path.Combine(dir.FullName, "none.env")));
            Assert.StartsWith("--config-path: no file at", missing.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SILO_NAME", null);
            Environment.SetEnvironmentVariable("PARITY_CONFIG_PATH", null);
            dir.Delete(recursive: true);
        }
    }
}
