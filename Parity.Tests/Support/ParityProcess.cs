using System.Diagnostics;
using System.Text;

namespace Parity.Tests.Support;

/// <summary>A real parity-runner or parity-gateway process, started from the built binaries with its own environment.</summary>
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

    public static ParityProcess Start(string project, string assembly, IReadOnlyDictionary<string, string> environment, string workDir)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TestEngines.BuiltDll(project, assembly));
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PARITY_") || k.StartsWith("RUNNER_")
                     || k.StartsWith("ORLEANS_") || k.StartsWith("SILO_") || k.StartsWith("GATEWAY_") || k.StartsWith("CLUSTER_")).ToList())
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

    public async Task WaitForOutput(string text, TimeSpan timeout) =>
        await Eventually.True(() =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"process exited ({_process.ExitCode}):\n{Output}");
            return Output.Contains(text);
        }, timeout, $"'{text}' in the process output");

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
