using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Parity.Tests.Support;

namespace Parity.Tests.Docs;

/// <summary>
/// Where the README's examples run as a reader would run them: a directory that looks like the clone (every top-level
/// entry of the repository linked in, so <c>dotnet run --project Parity.Silo</c> and <c>datasets/iris.csv</c> work and
/// the files the examples write land here, not in the repository), its own HOME, and on PATH: <c>parity-runner</c> (the
/// built binary, as the README says), <c>dotnet</c> that adds <c>--no-build -c CONFIG</c> to <c>run</c> (the suite has
/// built everything already; the run itself, working directory included, is the real one), and <c>curl</c> that
/// reports the HTTP status of each call on stderr.
/// </summary>
public sealed partial class ReadmeWorkspace : IAsyncDisposable
{
    private readonly List<(Process Process, StringBuilder Output, string Command)> _background = [];

    public string Directory { get; }
    /// <summary>The README's well-known ports and the test's own for each (Redis: the suite's).</summary>
    public IReadOnlyDictionary<int, int> Ports { get; }
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Where the one-process cluster of <c>deploy/run.sh</c> listens: the test's free ports, not the defaults.</summary>
    private Dictionary<string, string> ClusterDefaults { get; } = new(StringComparer.Ordinal);

    public ReadmeWorkspace()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("parity-readme-").FullName;
        var ports = ReadmePlaceholders.WellKnownPorts.ToDictionary(p => p, _ => TestEngines.FreeTcpPort());
        ports[6379] = int.Parse(TestEngines.Redis.Split(':')[^1]);
        Ports = ports;
        var root = TestEngines.RepoRoot;
        foreach (var entry in System.IO.Directory.EnumerateFileSystemEntries(root))
        {
            var name = Path.GetFileName(entry);
            if (name.StartsWith('.') || name == "TestResults") continue;
            File.CreateSymbolicLink(Path.Combine(Directory, name), entry);
        }
        var bin = System.IO.Directory.CreateDirectory(Path.Combine(Directory, ".bin")).FullName;
        var home = System.IO.Directory.CreateDirectory(Path.Combine(Directory, ".home")).FullName;
        var dotnet = RealDotnet();
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!);
        Script(bin, "dotnet", $"""
            if [ "${"{"}1:-{"}"}" = run ]; then shift; exec '{dotnet}' run --no-build -c {configuration} "$@"; fi
            exec '{dotnet}' "$@"
            """);
        Script(bin, "parity-runner", $"exec '{dotnet}' '{TestEngines.BuiltDll("Parity.Silo", "parity-runner")}' \"$@\"");
        Script(bin, "curl", "exec /usr/bin/curl -w '%{stderr}\\n[readme-http-status %{http_code}]\\n' \"$@\"");

        Environment["PATH"] = $"{bin}:{System.Environment.GetEnvironmentVariable("PATH")}";
        Environment["HOME"] = home;
        // The one-process cluster on free ports, so the test never meets a cluster a developer runs on the defaults.
        ClusterDefaults["GATEWAY_URLS"] = $"http://127.0.0.1:{Ports[5080]}";
        ClusterDefaults["SILO_PORT"] = TestEngines.FreeTcpPort().ToString();
        ClusterDefaults["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString();
    }

    /// <summary>Runs one command in bash (errexit, pipefail) to its end.</summary>
    public async Task<(int Code, string Stdout, string Stderr)> RunAsync(string command, TimeSpan timeout)
    {
        using var process = Start(command, redirect: true);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{command}' ran past {timeout.TotalSeconds:N0} s:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running command (a silo, a gateway) and leaves it running until the workspace goes.</summary>
    public void StartBackground(string command)
    {
        // A trailing & is how the README runs it in the background; here the test keeps it as its own child instead.
        command = command.TrimEnd();
        if (command.EndsWith('&') && !command.EndsWith("&&", StringComparison.Ordinal)) command = command[..^1];
        var process = Start(command, redirect: true);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _background.Add((process, output, command));
    }

    /// <summary>Waits until <paramref name="url"/> answers 2xx; fails early, with its output, when a background process exits.</summary>
    public async Task WaitUntilUp(string url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var (process, output, command) in _background)
                if (process.HasExited)
                    throw new InvalidOperationException($"'{command}' exited ({process.ExitCode}) before {url} answered:\n{Text(output)}");
            try
            {
                if ((await http.GetAsync(url)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{url} did not answer within {timeout.TotalSeconds:N0} s:\n" +
                                           string.Join("\n", _background.Select(b => Text(b.Output))));
            await Task.Delay(250);
        }
    }

    /// <summary>Waits until a GET of <paramref name="url"/> answers 2xx with <paramref name="text"/> in its body.</summary>
    public static async Task WaitForText(string url, string text, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var response = await http.GetAsync(url);
                last = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode && last.Contains(text, StringComparison.Ordinal)) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{url} did not mention '{text}' within {timeout.TotalSeconds:N0} s; it last said:\n{last}");
    }

    /// <summary>The HTTP statuses the curl calls of a command got, in order.</summary>
    public static IReadOnlyList<int> HttpStatuses(string stderr) =>
        StatusLine().Matches(stderr).Select(m => int.Parse(m.Groups[1].Value)).ToList();

    public string BackgroundOutput => string.Join("\n----\n", _background.Select(b => Text(b.Output)));

    private Process Start(string command, bool redirect)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-eo");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        // Nothing of the test run's own configuration may reach the examples: they get what a reader's shell has.
        foreach (var key in start.Environment.Keys.Where(k => ParityProcess.ScrubbedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in Environment) start.Environment[key] = value;
        // A command that configures a cluster of its own (ORLEANS_CLUSTERING=…) says everything itself; the others get
        // the one-process cluster's address and ports, as a reader's shell would have them from its defaults.
        if (!command.Contains("ORLEANS_CLUSTERING=", StringComparison.Ordinal))
            foreach (var (key, value) in ClusterDefaults) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (process, _, _) in _background)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    private static void Script(string bin, string name, string body)
    {
        var path = Path.Combine(bin, name);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The dotnet host running the tests (dotnet test sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string RealDotnet() =>
        System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : System.Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet" ? self
        : "dotnet";

    [GeneratedRegex(@"\[readme-http-status (\d{3})\]")]
    private static partial Regex StatusLine();
}
