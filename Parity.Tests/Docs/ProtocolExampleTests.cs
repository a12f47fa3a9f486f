using System.Diagnostics;
using Parity.Tests.Support;

namespace Parity.Tests.Docs;

/// <summary>The shell example of docs/PROTOCOL.md that signs a webhook push, run as written against a real gateway.</summary>
public sealed class ProtocolExampleTests(SharedCluster shared) : IClassFixture<SharedCluster>, IAsyncLifetime
{
    private readonly int _port = TestEngines.FreeTcpPort();
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(shared.Cluster.Client, port: _port);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task The_signing_example_is_accepted_by_the_gateway()
    {
        var script = SigningExample().Replace("127.0.0.1:5080", $"127.0.0.1:{_port}", StringComparison.Ordinal);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-euo");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["RUNNER_WEBHOOK_SECRET"] = GatewayHost.Secret;

        using var shell = Process.Start(start)!;
        var stdout = shell.StandardOutput.ReadToEndAsync();
        var stderr = shell.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await shell.WaitForExitAsync(bound.Token);

        Assert.True(shell.ExitCode == 0, $"the example exited {shell.ExitCode}: {await stderr}");
        Assert.Equal("""{"status":"ok"}""", await stdout);
        var task = await shared.Cluster.TaskGrain("t1").Get();
        Assert.NotNull(task);
        Assert.Equal("""{"command":"echo hi"}""", task.Config);
    }

    /// <summary>The fenced block that follows "Signing in a shell" in docs/PROTOCOL.md.</summary>
    private static string SigningExample()
    {
        var lines = File.ReadAllLines(Path.Combine(TestEngines.RepoRoot, "docs", "PROTOCOL.md"));
        var at = Array.FindIndex(lines, l => l.StartsWith("Signing in a shell", StringComparison.Ordinal));
        Assert.True(at >= 0, "docs/PROTOCOL.md has no 'Signing in a shell' example");
        var open = Array.FindIndex(lines, at, l => l.StartsWith("```", StringComparison.Ordinal));
        var close = Array.FindIndex(lines, open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        return string.Join('\n', lines[(open + 1)..close]);
    }
}
