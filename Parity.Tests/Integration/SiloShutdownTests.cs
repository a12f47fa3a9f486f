using System.Diagnostics;
using System.Text.RegularExpressions;
using Parity.Tests.Support;

namespace Parity.Tests.Integration;

/// <summary>
/// A parity-runner process on a Redis of this test's own, which the test kills before it sends the silo SIGTERM: the
/// silo ends within its SILO_SHUTDOWN_TIMEOUT (plus a margin for a loaded machine), says what it could not hand back,
/// and prints no stack trace. Before the watchdog, such a silo took 100-155 s with a 30 s timeout.
/// </summary>
public sealed partial class SiloShutdownTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("parity-shutdown-").FullName;
    private readonly List<ParityProcess> _silos = [];
    private Process? _redis;

    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Generous: a behavioural bound (the process ends at all, near its timeout), not a performance figure.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_silo_whose_redis_is_gone_exits_within_its_shutdown_timeout_without_stack_traces()
    {
        var redisPort = StartPrivateRedis();
        var silo = ParityProcess.Start(TestEngines.BuiltDll("Parity.Silo", "parity-runner"), new Dictionary<string, string>
        {
            ["ORLEANS_CLUSTERING"] = "redis",
            ["ORLEANS_REDIS"] = $"127.0.0.1:{redisPort}",
            ["ORLEANS_CLUSTER_ID"] = "sd-" + Guid.NewGuid().ToString("N")[..12],
            ["CLUSTER_ALLOW_INSECURE"] = "true",
            ["SILO_NAME"] = "sd-a",
            ["SILO_PORT"] = TestEngines.FreeTcpPort().ToString(),
            ["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString(),
            ["SILO_SHUTDOWN_TIMEOUT"] = $"{ShutdownTimeout.TotalSeconds}s",
            ["RUNNER_HEARTBEAT_INTERVAL"] = "500ms",
        }, _work);
        _silos.Add(silo);
        await silo.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        await silo.WaitForOutput("online", TimeSpan.FromSeconds(30));

        _redis!.Kill();
        await _redis.WaitForExitAsync();
        // The silo has noticed: its storage calls fail (each such error was a page of stack frames before).
        await silo.WaitForOutput("RedisConnectionException", TimeSpan.FromSeconds(90));
        silo.Terminate();

        var exited = await silo.WaitForExit(ShutdownTimeout + Margin);

        Assert.True(exited, $"the silo still runs {(ShutdownTimeout + Margin).TotalSeconds} s after SIGTERM (SILO_SHUTDOWN_TIMEOUT {ShutdownTimeout.TotalSeconds} s):\n{silo.Output}");
        var output = silo.Output;
        Assert.False(StackFrame().IsMatch(output), $"stack trace in the silo's output:\n{output}");
        // A clean stop exits 0; a stop the watchdog cut short exits 1 and says so, naming the key and what was left.
        if (silo.ExitCode != 0)
        {
            Assert.Equal(1, silo.ExitCode);
            Assert.Contains($"shutdown did not finish within {ShutdownTimeout.TotalSeconds} s (SILO_SHUTDOWN_TIMEOUT), exiting; ", output);
        }
    }

    /// <summary>A redis-server of this test only, on a free port; the test kills it, so it must not be the shared one.</summary>
    private int StartPrivateRedis()
    {
        var port = TestEngines.FreeTcpPort();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", port.ToString(), "--save", "", "--appendonly", "no", "--dir", _work })
            start.ArgumentList.Add(argument);
        _redis = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _redis.OutputDataReceived += (_, _) => { };
        _redis.ErrorDataReceived += (_, _) => { };
        _redis.BeginOutputReadLine();
        _redis.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                client.Connect("127.0.0.1", port);
                return port;
            }
            catch (System.Net.Sockets.SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !_redis.HasExited)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>A .NET stack frame line ("   at Namespace.Type.Method(…)").</summary>
    [GeneratedRegex(@"^\s+at \S+\(.*\)", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    public void Dispose()
    {
        foreach (var silo in _silos) silo.Dispose();
        if (_redis is { HasExited: false }) _redis.Kill();
        _redis?.Dispose();
        Directory.Delete(_work, recursive: true);
    }
}
