using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Parity.Tasks;

namespace Parity.Execution;

/// <summary>
/// Runs <c>command</c> tasks with <c>/bin/sh -c</c> in a fresh directory, a new process group, a scrubbed environment
/// and resource limits; the whole group is killed when the task ends, times out or is cancelled.
/// </summary>
public sealed class ShellExecutor(ShellExecutorOptions options, ILogger<ShellExecutor> logger) : ITaskExecutor
{
    public const string DisabledError =
        "shell tasks are disabled on this runner (set RUNNER_SHELL_ENABLED=true to allow them)";

    private const string Shell = "/bin/sh";
    private const string Setsid = "/usr/bin/setsid";
    private const string Prlimit = "/usr/bin/prlimit";
    private const string GnuTime = "/usr/bin/time";
    private const int SigKill = 9;
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxTimer = TimeSpan.FromDays(24);
    private static int s_warnedNoTime;

    public TaskType Type => TaskType.Command;

    public bool Available => options.Enabled;

    public void Validate(ParityTask task) => ShellTaskConfig.Parse(task.Config);

    public async Task<ExecutionOutcome> ExecuteAsync(ParityTask task, ExecutionOutput output, CancellationToken cancellation)
    {
        ShellTaskConfig config;
        try
        {
            if (!options.Enabled) throw new TaskValidationException(DisabledError);
            config = ShellTaskConfig.Parse(task.Config);
        }
        catch (TaskValidationException e)
        {
            return new ExecutionOutcome { ExitCode = -1, Error = e.Message };
        }

        if (!OperatingSystem.IsLinux())
            return new ExecutionOutcome { ExitCode = -1, Error = "shell tasks need a Linux runner" };
        foreach (var tool in new[] { Shell, Setsid, Prlimit })
        {
            if (!File.Exists(tool))
                return new ExecutionOutcome { ExitCode = -1, Error = $"cannot run shell tasks: {tool} is missing on this runner" };
        }

        var name = $"{SafeName.Of(task.Id)}-{Guid.NewGuid():N}";
        var taskDir = Path.Combine(options.WorkRoot, name);
        var metricsFile = Path.Combine(options.WorkRoot, name + ".time");
        try
        {
            const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(options.WorkRoot, ownerOnly);
            Directory.CreateDirectory(taskDir, ownerOnly);
            var workingDir = config.WorkingDir.Length == 0 ? taskDir : Path.Combine(taskDir, config.WorkingDir);
            Directory.CreateDirectory(workingDir);
            return await RunAsync(task, config, taskDir, workingDir, metricsFile, output, cancellation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Win32Exception or InvalidOperationException)
        {
            logger.LogWarning(e, "Shell task {TaskId} could not be started", task.Id);
            return new ExecutionOutcome { ExitCode = -1, Error = $"could not start the shell task: {e.Message}" };
        }
        finally
        {
            TryDelete(taskDir, metricsFile);
        }
    }

    private async Task<ExecutionOutcome> RunAsync(ParityTask task, ShellTaskConfig config, string taskDir,
        string workingDir, string metricsFile, ExecutionOutput output, CancellationToken cancellation)
    {
        var (timeout, timeoutSource) = config.TimeoutSeconds is { } own && TimeSpan.FromSeconds(own) < options.ExecutionTimeout
            ? (TimeSpan.FromSeconds(own), "config.timeout_seconds")
            : (options.ExecutionTimeout, "RUNNER_EXECUTION_TIMEOUT");

        var measure = File.Exists(GnuTime);
        if (!measure && Interlocked.Exchange(ref s_warnedNoTime, 1) == 0)
            logger.LogWarning("{Tool} (GNU time) is missing: shell tasks report no CPU time or peak memory", GnuTime);

        using var process = new Process { StartInfo = StartInfo(task, config, taskDir, workingDir, metricsFile, measure) };
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        // setsid execs in place, so the child's pid is also its process group id.
        var group = process.Id;
        process.StandardInput.Close();
        var readers = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, output.Stdout),
            PumpAsync(process.StandardError.BaseStream, output.Stderr));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout < MaxTimer ? timeout : MaxTimer);
        bool timedOut = false, cancelled = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            cancelled = cancellation.IsCancellationRequested;
            timedOut = !cancelled;
        }

        // Also after a normal exit: background children must not outlive the task or hold its pipes open.
        KillGroup(process, group);
        if (timedOut || cancelled)
        {
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                logger.LogWarning("Shell task {TaskId}: process group {Group} did not die after SIGKILL", task.Id, group);
            }
        }
        stopwatch.Stop();

        try
        {
            await readers.WaitAsync(DrainBound);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Shell task {TaskId}: output pipes still open after exit; stopped reading", task.Id);
        }

        var (cpu, peak) = measure ? ReadMetrics(metricsFile) : (0, 0);
        var outcome = new ExecutionOutcome { Elapsed = stopwatch.Elapsed, CpuSeconds = cpu, PeakMemoryBytes = peak };
        if (timedOut)
        {
            var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            return outcome with
            {
                ExitCode = -1,
                TimedOut = true,
                Error = $"task execution exceeded timeout of {seconds} s ({timeoutSource})",
            };
        }
        if (cancelled) return outcome with { ExitCode = -1, Cancelled = true, Error = "task was cancelled" };
        return outcome with { ExitCode = process.ExitCode };
    }

    private ProcessStartInfo StartInfo(ParityTask task, ShellTaskConfig config, string taskDir, string workingDir,
        string metricsFile, bool measure)
    {
        var info = new ProcessStartInfo(Setsid)
        {
            UseShellExecute = false,
            WorkingDirectory = workingDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] limits =
        [
            Prlimit,
            $"--as={options.MemoryLimitBytes}",
            $"--nproc={options.MaxProcesses}",
            $"--fsize={options.MaxFileSizeBytes}",
            "--core=0",
            "--",
        ];
        foreach (var argument in limits) info.ArgumentList.Add(argument);
        if (measure)
        {
            foreach (var argument in new[] { GnuTime, "-f", "%e %U %S %M", "-o", metricsFile })
                info.ArgumentList.Add(argument);
        }
        info.ArgumentList.Add(Shell);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(config.Command);

        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        info.Environment["HOME"] = taskDir;
        info.Environment["LANG"] = "C.UTF-8";
        info.Environment["TMPDIR"] = taskDir;
        info.Environment["PARITY_TASK_ID"] = task.Id;
        info.Environment["TASK_NONCE"] = task.Nonce;
        foreach (var (key, value) in config.Environment) info.Environment[key] = value;
        return info;
    }

    private static async Task PumpAsync(Stream stream, OutputCapture capture)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0) capture.Append(buffer.AsSpan(0, read));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process object was disposed while a leaked pipe was still open; what arrived is kept.
        }
    }

    private void KillGroup(Process process, int group)
    {
        // The group may be empty already (ESRCH). Process.Kill covers the instant before setsid() ran, and unlike a
        // raw kill(pid) it never signals a recycled pid once the child has been reaped.
        if (kill(-group, SigKill) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != Esrch)
            logger.LogWarning("kill(-{Group}, SIGKILL) failed with errno {Errno}", group, errno);
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>GNU time writes "%e %U %S %M" as its last line, after a "Command exited…" line when the exit was not 0.</summary>
    private static (double CpuSeconds, long PeakBytes) ReadMetrics(string metricsFile)
    {
        try
        {
            if (!File.Exists(metricsFile)) return (0, 0);
            var last = File.ReadAllLines(metricsFile).LastOrDefault(line => line.Trim().Length > 0);
            var fields = last?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is not { Length: 4 }) return (0, 0);
            var culture = CultureInfo.InvariantCulture;
            if (!double.TryParse(fields[1], NumberStyles.Float, culture, out var user)
                || !double.TryParse(fields[2], NumberStyles.Float, culture, out var system)
                || !long.TryParse(fields[3], NumberStyles.Integer, culture, out var kib))
                return (0, 0);
            return (user + system, kib * 1024);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    [SupportedOSPlatform("linux")]
    private void TryDelete(string taskDir, string metricsFile)
    {
        try
        {
            File.Delete(metricsFile);
            if (!Directory.Exists(taskDir)) return;
            try
            {
                Directory.Delete(taskDir, recursive: true);
            }
            catch (UnauthorizedAccessException)
            {
                // The task may have made its own directories unwritable; give them back to the owner and retry.
                foreach (var dir in Directory.EnumerateDirectories(taskDir, "*", SearchOption.AllDirectories).Prepend(taskDir))
                    File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Directory.Delete(taskDir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the task directory {Directory}", taskDir);
        }
    }

    private const int Esrch = 3;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
