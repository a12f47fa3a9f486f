using System.Diagnostics;
using System.Text;

/// <summary>
/// A parity-runner or parity-gateway process run from its build output with an environment of its own; its output is
/// kept so the benchmark can wait for a line and see which silo logged what.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private static readonly string[] InheritedPrefixes = ["PARITY_", "RUNNER_", "ORLEANS_", "SILO_", "GATEWAY_", "CLUSTER_", "IPFS_", "STORAGE_"];
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static ChildProcess Start(string dll, IReadOnlyDictionary<string, string> environment, string workDir)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        // The shell's own settings for a Parity process would leak into these and make the run depend on who starts it.
        foreach (var key in info.Environment.Keys.Where(k => InheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public async Task WaitForOutput(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"process exited ({_process.ExitCode}) before '{text}':\n{Output}");
            if (clock.Elapsed > timeout) throw new TimeoutException($"no '{text}' within {timeout.TotalSeconds:N0} s:\n{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL, the process alone: no shutdown hook runs, as when a machine loses power.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: false);

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
