using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Parity.Tasks;

namespace Parity.Execution;

/// <summary>
/// Runs <c>command</c> tasks with <c>/bin/sh -c</c> in a fresh directory, a new process group, a scrubbed environment
/// and resource limits; the whole group is killed when the task ends, times out or is cancelled.
/// </summary>
public sealed class ShellExecutor(ShellExecutorOptions options, ILogger<ShellExecutor> logger) : TaskExecutor<ShellTaskConfig>
{
    public const string DisabledError =
        "shell tasks are disabled on this runner (set RUNNER_SHELL_ENABLED=true to allow them)";

    private const string Shell = "/bin/sh";
    private const string Prlimit = "/usr/bin/prlimit";
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(2);

    public override TaskType Type => TaskType.Command;

    public override bool Available => options.Enabled;

    protected override async Task<ExecutionOutcome> ExecuteAsync(TaskRun run, ShellTaskConfig config, ExecutionOutput output,
        CancellationToken cancellation)
    {
        var task = run.Task;
        if (!options.Enabled) return new ExecutionOutcome { ExitCode = -1, Error = DisabledError };

        if (!OperatingSystem.IsLinux())
            return new ExecutionOutcome { ExitCode = -1, Error = "shell tasks need a Linux runner" };
        foreach (var tool in new[] { Shell, Prlimit })
        {
            if (!File.Exists(tool))
                return new ExecutionOutcome { ExitCode = -1, Error = $"cannot run shell tasks: {tool} is missing on this runner" };
        }

        var name = $"{SafeName.Of(task.Id)}-{Guid.NewGuid():N}";
        var taskDir = Path.Combine(options.WorkRoot, name);
        try
        {
            const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(options.WorkRoot, ownerOnly);
            Directory.CreateDirectory(taskDir, ownerOnly);
            var workingDir = config.WorkingDir.Length == 0 ? taskDir : Path.Combine(taskDir, config.WorkingDir);
            Directory.CreateDirectory(workingDir);
            return await RunAsync(task, config, taskDir, workingDir, output, cancellation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Win32Exception or InvalidOperationException)
        {
            logger.LogWarning(e, "Shell task {TaskId} could not be started", task.Id);
            return new ExecutionOutcome { ExitCode = -1, Error = $"could not start the shell task: {e.Message}" };
        }
        finally
        {
            TryDelete(taskDir);
        }
    }

    private async Task<ExecutionOutcome> RunAsync(ParityTask task, ShellTaskConfig config, string taskDir,
        string workingDir, ExecutionOutput output, CancellationToken cancellation)
    {
        var deadline = ExecutionDeadline.Of(config.TimeoutSeconds, options.ExecutionTimeout);

        var stopwatch = Stopwatch.StartNew();
        // prlimit sets the limits on itself and execs the shell: they are in force before the task's first instruction.
        using var process = SpawnedProcess.Start(Prlimit,
            [
                Prlimit,
                $"--as={options.MemoryLimitBytes}",
                $"--nproc={options.MaxProcesses}",
                $"--fsize={options.MaxFileSizeBytes}",
                "--core=0",
                "--",
                Shell, "-c", config.Command,
            ],
            Environment(task, config, taskDir), workingDir);
        var readers = Task.WhenAll(PumpAsync(process.Stdout, output.Stdout), PumpAsync(process.Stderr, output.Stderr));

        if (!await deadline.WaitAsync(ct => process.Exited.WaitAsync(ct), cancellation)) process.KillGroup();

        // The group (background children included) is killed when the leader exits, before it is reaped.
        SpawnExit exit;
        try
        {
            exit = await process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Shell task {TaskId}: process group {Group} did not die after SIGKILL", task.Id, process.Pid);
            exit = new SpawnExit(-1, 0, 0);
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

        var outcome = new ExecutionOutcome { Elapsed = stopwatch.Elapsed, CpuSeconds = exit.CpuSeconds, PeakMemoryBytes = exit.PeakMemoryBytes };
        return deadline.InterruptedOutcome(outcome) ?? outcome with { ExitCode = exit.ExitCode };
    }

    private static Dictionary<string, string> Environment(ParityTask task, ShellTaskConfig config, string taskDir)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = taskDir,
            ["LANG"] = "C.UTF-8",
            ["TMPDIR"] = taskDir,
            ["PARITY_TASK_ID"] = task.Id,
            ["TASK_NONCE"] = task.Nonce,
        };
        foreach (var (key, value) in config.Environment) environment[key] = value;
        return environment;
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

    [SupportedOSPlatform("linux")]
    private void TryDelete(string taskDir)
    {
        try
        {
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

}
