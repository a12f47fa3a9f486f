using System.Diagnostics;
using System.Text;

namespace Parity.Tests.Support;

/// <summary>
/// A real parity-runner or parity-gateway process, started from the built binaries with its own environment; its output
/// is kept to wait for a line in it. Shared with Parity.Benchmarks (linked there).
/// </summary>
public sealed class ParityProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ParityProcess(Process process) => _process = process;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Environment keys of the shell that would otherwise reach the process and make a run depend on who starts it.</summary>
    public static readonly string[] ScrubbedPrefixes = ["PARITY_", "RUNNER_", "ORLEANS_", "SILO_", "GATEWAY_", "CLUSTER_", "IPFS_", "STORAGE_", "METRICS_", "OTEL_"];

    /// <param name="dll">The built parity-runner or parity-gateway assembly.</param>
    public static ParityProcess Start(string dll, IReadOnlyDictionary<string, string> environment, string workDir)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var key in start.Environment.Keys.Where(k => ScrubbedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var process = new Process { StartInfo = start };
        var parity = new ParityProcess(process);
        process.OutputDataReceived += (_, e) => parity.Append(e.Data);
        process.ErrorDataReceived += (_, e) => parity.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return parity;
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

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGTERM, as an operator's <c>kill</c> or a service manager's stop sends it: the process shuts down as it would for them.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} exited {kill.ExitCode}");
    }

    /// <summary>Waits for the process to end, at most <paramref name="bound"/>; whether it ended.</summary>
    public async Task<bool> WaitForExit(TimeSpan bound)
    {
        using var wait = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no shutdown hooks run, exactly like a machine losing power.</summary>
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
