using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Parity.Execution.Sandbox;
using Parity.Tasks;

namespace Parity.Execution;

/// <summary>
/// Runs <c>command</c> tasks with <c>/bin/sh -c</c> in a bubblewrap sandbox (see <see cref="SandboxCommand"/>) inside a
/// cgroup of their own (see <see cref="ITaskCgroup"/>): a scrubbed environment, capped memory, processes, CPU and disk,
/// capped output, and a timeout. The whole cgroup is killed when the task ends, times out or is cancelled, and its
/// CPU time and peak memory are what the task reports.
/// </summary>
public sealed class ShellExecutor : TaskExecutor<ShellTaskConfig>
{
    public const string DisabledError =
        "shell tasks are disabled on this runner (set RUNNER_SHELL_ENABLED=true to allow them)";

    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(2);
    private readonly ShellExecutorOptions _options;
    private readonly ILogger<ShellExecutor> _logger;
    private readonly ShellSandbox _sandbox;

    public ShellExecutor(ShellExecutorOptions options, ILogger<ShellExecutor> logger)
    {
        _options = options;
        _logger = logger;
        _sandbox = new ShellSandbox(options, logger);
        // Probed once, at start, so the log says at once whether (and why not) this runner takes shell tasks.
        if (options.Enabled) _ = _sandbox.Problem;
    }

    public override TaskType Type => TaskType.Command;

    /// <summary>Enabled and able to sandbox: a runner that cannot does not announce the command type.</summary>
    public override bool Available => _options.Enabled && _sandbox.Problem is null;

    protected override async Task<ExecutionOutcome> ExecuteAsync(TaskRun run, ShellTaskConfig config, ExecutionOutput output,
        CancellationToken cancellation)
    {
        var task = run.Task;
        if (!_options.Enabled) return new ExecutionOutcome { ExitCode = -1, Error = DisabledError };
        if (_sandbox.Problem is { } problem)
            return new ExecutionOutcome { ExitCode = -1, Error = $"cannot run shell tasks sandboxed on this runner: {problem}" };

        ITaskCgroup? cgroup = null;
        try
        {
            cgroup = _sandbox.Cgroups!.Create($"{SafeName.Of(task.Id)}-{Guid.NewGuid():N}",
                new CgroupLimits(_options.MemoryLimitBytes, _options.MaxProcesses, _options.CpuLimit));
            return await RunAsync(task, config, cgroup, output, cancellation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Win32Exception or InvalidOperationException)
        {
            _logger.LogWarning(e, "Shell task {TaskId} could not be started", task.Id);
            return new ExecutionOutcome { ExitCode = -1, Error = $"could not start the shell task: {e.Message}" };
        }
        finally
        {
            try
            {
                // Kills whatever is left (nothing, normally: the pid namespace died with the sandbox) and removes the cgroup.
                cgroup?.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(e, "Shell task {TaskId}: could not remove its cgroup {Cgroup}", task.Id, cgroup!.Path);
            }
        }
    }

    private async Task<ExecutionOutcome> RunAsync(ParityTask task, ShellTaskConfig config, ITaskCgroup cgroup,
        ExecutionOutput output, CancellationToken cancellation)
    {
        var deadline = ExecutionDeadline.Of(config.TimeoutSeconds, _options.ExecutionTimeout);
        var argv = SandboxCommand.Build(_options, config.WorkingDir, Environment(task, config), config.Command);

        var stopwatch = Stopwatch.StartNew();
        // The stub gets no environment of the silo's: bubblewrap's own processes are visible in the task's /proc.
        using var process = SpawnedProcess.Start(argv[0], argv, [], "/", gated: true);
        try
        {
            // Race-free: the stub blocks reading its gate before anything of the task exists; children inherit the
            // cgroup, so every process of the task is born inside it.
            cgroup.Add(process.Pid);
        }
        catch
        {
            // Closing the unwritten gate makes the stub exit without running anything.
            process.Dispose();
            throw;
        }
        process.Release();
        var readers = Task.WhenAll(PumpAsync(process.Stdout, output.Stdout), PumpAsync(process.Stderr, output.Stderr));

        if (!await deadline.WaitAsync(ct => process.Exited.WaitAsync(ct), cancellation)) cgroup.KillAll();

        SpawnExit exit;
        try
        {
            exit = await process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Shell task {TaskId}: sandbox {Pid} did not die after SIGKILL", task.Id, process.Pid);
            exit = new SpawnExit(-1);
        }
        stopwatch.Stop();
        // Nothing of the task outlives its sandbox, setsid or not; the output pipes close with the last of it.
        cgroup.KillAll();

        try
        {
            await readers.WaitAsync(DrainBound);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Shell task {TaskId}: output pipes still open after exit; stopped reading", task.Id);
        }

        var usage = cgroup.Usage();
        var outcome = new ExecutionOutcome { Elapsed = stopwatch.Elapsed, CpuSeconds = usage.CpuSeconds, PeakMemoryBytes = usage.PeakMemoryBytes };
        if (deadline.InterruptedOutcome(outcome) is { } interrupted) return interrupted;
        if (usage.OomKills > 0)
            return outcome with
            {
                ExitCode = exit.ExitCode,
                Error = $"out of memory (limit {ByteSize.Format(_options.MemoryLimitBytes)}, RUNNER_SHELL_MEMORY_LIMIT)",
            };
        return outcome with { ExitCode = exit.ExitCode };
    }

    private static Dictionary<string, string> Environment(ParityTask task, ShellTaskConfig config)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = SandboxCommand.Home,
            ["LANG"] = "C.UTF-8",
            ["TMPDIR"] = "/tmp",
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
}
