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
    public async Task An_executable_with_a_bad_value_names_the_key_and_exits_2(string project, string assembly, string key, string value, string expected)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(TestEngines.BuiltDll(project, assembly));
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("PARITY_") || k.StartsWith("RUNNER_")
                     || k.StartsWith("ORLEANS_") || k.StartsWith("SILO_") || k.StartsWith("GATEWAY_")).ToList())
            start.Environment.Remove(inherited);
        // Free ports, so that if the value were wrongly accepted the process would start cleanly (and be killed) rather than clash.
        start.Environment["SILO_PORT"] = TestEngines.FreeTcpPort().ToString();
        start.Environment["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString();
        start.Environment["GATEWAY_URLS"] = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}";
        start.Environment[key] = value;

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
            Assert.Fail($"{assembly} with {key}={value} did not stop: {await stdout}");
        }
        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith(expected, (await stderr).Trim());
        // The message alone: no host failure log with a stack trace around it.
        Assert.DoesNotContain("Hosting failed to start", await stdout);
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
