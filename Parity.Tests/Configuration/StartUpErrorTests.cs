using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Tests.Support;

namespace Parity.Tests.Configuration;

/// <summary>A bad value stops either executable with "configuration error: &lt;message naming the key&gt;" and exit code 2.</summary>
public sealed class StartUpErrorTests
{
    [Theory]
    // Read while the host starts (the scheduling room is validated on start).
    [InlineData("Parity.Silo", "parity-runner", "RUNNER_MAX_CONCURRENT_TASKS", "x",
        "configuration error: RUNNER_MAX_CONCURRENT_TASKS must be an integer from 1 to 1024, got 'x'")]
    // Read before the host is built (clustering decides which host).
    [InlineData("Parity.Silo", "parity-runner", "ORLEANS_CLUSTERING", "redis",
        "configuration error: ORLEANS_REDIS is required when ORLEANS_CLUSTERING=redis")]
    [InlineData("Parity.Gateway", "parity-gateway", "GATEWAY_URLS", "http://0.0.0.0:1",
        "configuration error: GATEWAY_URLS binds a non-loopback address (http://0.0.0.0:1) but GATEWAY_API_KEY is not set")]
    [InlineData("Parity.Gateway", "parity-gateway", "METRICS_KEY", "short",
        "configuration error: METRICS_KEY must be at least 16 characters, got 5")]
    public async Task An_executable_with_a_bad_value_names_the_key_and_exits_2(string project, string assembly, string key, string value, string expected) =>
        await AssertStartUpError(project, assembly, new() { [key] = value }, expected);

    /// <summary>A silo's own scrape endpoint: off loopback only with METRICS_KEY, and none beside a gateway it serves.</summary>
    [Fact]
    public async Task A_silo_metrics_endpoint_off_loopback_needs_the_key_and_is_refused_beside_its_gateway()
    {
        await AssertStartUpError("Parity.Silo", "parity-runner",
            new() { ["SILO_HOSTS_GATEWAY"] = "false", ["SILO_METRICS_URLS"] = "http://0.0.0.0:9464" },
            "configuration error: SILO_METRICS_URLS binds a non-loopback address (http://0.0.0.0:9464) but METRICS_KEY is not set; " +
            "set a key (Prometheus sends it as a bearer token) or bind 127.0.0.1 only");
        await AssertStartUpError("Parity.Silo", "parity-runner",
            new() { ["SILO_METRICS_URLS"] = "http://127.0.0.1:9464" },
            "configuration error: SILO_METRICS_URLS is set, but this silo serves the gateway, which answers /metrics on GATEWAY_URLS; " +
            "leave SILO_METRICS_URLS unset (or SILO_HOSTS_GATEWAY=false)");
    }

    [Theory]
    [InlineData("Parity.Silo", "parity-runner")]
    [InlineData("Parity.Gateway", "parity-gateway")]
    public async Task A_redis_cluster_without_TLS_refuses_to_start_and_says_how_to_set_it_up(string project, string assembly)
    {
        var stderr = await AssertStartUpError(project, assembly,
            new() { ["ORLEANS_CLUSTERING"] = "redis", ["ORLEANS_REDIS"] = TestEngines.Redis },
            "configuration error: ORLEANS_CLUSTERING=redis needs TLS on the cluster transport (CLUSTER_TLS_CA, CLUSTER_TLS_CERT, CLUSTER_TLS_KEY are not set)");
        Assert.Contains("parity-runner cluster init-ca --out DIR", stderr);
        Assert.Contains("parity-runner cluster issue NAME --ca DIR --out DIR", stderr);
        Assert.Contains("CLUSTER_ALLOW_INSECURE=true", stderr);
    }

    [Theory]
    [InlineData("Parity.Silo", "parity-runner")]
    [InlineData("Parity.Gateway", "parity-gateway")]
    public async Task A_redis_that_does_not_answer_is_one_line_naming_the_key_and_the_address(string project, string assembly)
    {
        // A port nobody listens on: the connection is refused at once.
        var closed = TestEngines.FreeTcpPort();
        var (stdout, stderr) = await StartUpOutput(project, assembly, new()
        {
            ["ORLEANS_CLUSTERING"] = "redis", ["ORLEANS_REDIS"] = $"127.0.0.1:{closed}", ["CLUSTER_ALLOW_INSECURE"] = "true",
        });
        Assert.Equal($"configuration error: cannot reach Redis at 127.0.0.1:{closed} (ORLEANS_REDIS): connection refused", stderr);
        Assert.DoesNotContain("   at ", stdout);
        Assert.DoesNotContain("Exception", stdout);
    }

    [Fact]
    public async Task A_certificate_of_another_CA_stops_start_up_naming_the_key()
    {
        using var ours = new ClusterPki();
        using var theirs = new ClusterPki("Someone else's CA");
        var (certificate, key) = theirs.Issue("silo");
        await AssertStartUpError("Parity.Silo", "parity-runner", new()
        {
            ["ORLEANS_CLUSTERING"] = "redis", ["ORLEANS_REDIS"] = TestEngines.Redis,
            ["CLUSTER_TLS_CA"] = ours.CaCertificate, ["CLUSTER_TLS_CERT"] = certificate, ["CLUSTER_TLS_KEY"] = key,
        }, $"configuration error: CLUSTER_TLS_CERT ({certificate}, CN=silo) is not issued by the cluster CA in CLUSTER_TLS_CA");
    }

    /// <summary>Starts the executable with <paramref name="environment"/>, expects exit 2 and stderr starting with <paramref name="expected"/>.</summary>
    private static async Task<string> AssertStartUpError(string project, string assembly, Dictionary<string, string> environment, string expected)
    {
        var (stdout, error) = await StartUpOutput(project, assembly, environment);
        Assert.StartsWith(expected, error);
        // The message alone: no host failure log with a stack trace around it.
        Assert.DoesNotContain("Hosting failed to start", stdout);
        return error;
    }

    /// <summary>Starts the executable with <paramref name="environment"/>, expects exit 2; its stdout and its trimmed stderr.</summary>
    internal static async Task<(string Stdout, string Stderr)> StartUpOutput(string project, string assembly, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(TestEngines.BuiltDll(project, assembly));
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("PARITY_") || k.StartsWith("RUNNER_")
                     || k.StartsWith("ORLEANS_") || k.StartsWith("SILO_") || k.StartsWith("GATEWAY_") || k.StartsWith("CLUSTER_")
                     || k.StartsWith("METRICS_") || k.StartsWith("OTEL_")).ToList())
            start.Environment.Remove(inherited);
        // Free ports, so that if the value were wrongly accepted the process would start cleanly (and be killed) rather than clash.
        start.Environment["SILO_PORT"] = TestEngines.FreeTcpPort().ToString();
        start.Environment["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString();
        start.Environment["GATEWAY_URLS"] = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}";
        foreach (var (key, value) in environment) start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{assembly} with {string.Join(' ', environment)} did not stop: {await stdout}");
        }
        var error = (await stderr).Trim();
        Assert.True(process.ExitCode == 2, $"exit {process.ExitCode}: {error}");
        return (await stdout, error);
    }

    [Fact]
    public async Task A_rule_broken_at_host_start_prints_the_same_error()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("GATEWAY_URLS", "http://0.0.0.0:5080")]).Build();
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddParityOptions(configuration);
        using var host = builder.Build();

        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await ParityCommandLine.GuardAsync(async () =>
            {
                await host.StartAsync();
                return 0;
            });
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal(2, code);
        Assert.Contains("configuration error: GATEWAY_URLS binds a non-loopback address (http://0.0.0.0:5080) but GATEWAY_API_KEY is not set",
            error.ToString());
    }
}
