using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Parity.Execution;
using Parity.Tasks;

using Parity.Tests.Support;

namespace Parity.Tests.Execution;

public sealed class ShellExecutorTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("parity-shell-test-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    internal static ShellExecutor Executor(Func<ShellExecutorOptions, ShellExecutorOptions>? configure = null)
    {
        var options = new ShellExecutorOptions { Enabled = true };
        return new ShellExecutor(configure?.Invoke(options) ?? options, NullLogger<ShellExecutor>.Instance);
    }

    internal static ParityTask CommandTask(string command, string workingDir = "", Dictionary<string, string>? environment = null,
        int? timeoutSeconds = null)
    {
        var config = new Dictionary<string, object?> { ["command"] = command, ["working_dir"] = workingDir };
        if (environment is not null) config["environment"] = environment;
        if (timeoutSeconds is not null) config["timeout_seconds"] = timeoutSeconds;
        return new ParityTask
        {
            Id = $"t-{Guid.NewGuid():N}",
            Type = TaskType.Command,
            Nonce = "nonce-123",
            Config = JsonSerializer.Serialize(config),
        };
    }

    internal static Task<ExecutionOutcome> Run(ShellExecutor executor, ParityTask task, ExecutionOutput output,
        CancellationToken cancellation = default) => executor.ExecuteAsync(TaskRun.Of(task, 1), output, cancellation);

    [Fact]
    public async Task Captures_stdout_and_stderr_separately_and_keeps_the_exit_code()
    {
        var output = new ExecutionOutput(4096);

        var outcome = await Run(Executor(), CommandTask("echo to-out; echo to-err >&2; exit 3"), output);

        Assert.Equal("to-out\n", output.Stdout.Text());
        Assert.Equal("to-err\n", output.Stderr.Text());
        Assert.Equal(3, outcome.ExitCode);
        Assert.Null(outcome.Error);
        Assert.False(outcome.Succeeded);
        Assert.False(outcome.TimedOut);
    }

    [Fact]
    public async Task Successful_command_succeeds()
    {
        var output = new ExecutionOutput(4096);

        var outcome = await Run(Executor(), CommandTask("printf 'a\\nb'"), output);

        Assert.True(outcome.Succeeded);
        Assert.Equal("a\nb", output.Stdout.Text());
        Assert.True(outcome.Elapsed > TimeSpan.Zero);
    }

    [Fact]
    public async Task Environment_is_scrubbed_and_carries_the_task_variables()
    {
        Environment.SetEnvironmentVariable("PARITY_SECRET_CANARY", "leaked");
        var output = new ExecutionOutput(4096);
        var task = CommandTask("""
            echo "canary=${PARITY_SECRET_CANARY:-unset}"
            echo "home=$HOME"
            echo "pwd=$(pwd)"
            echo "tmp=$TMPDIR"
            echo "path=$PATH"
            echo "mine=$MY_VAR"
            echo "id=$PARITY_TASK_ID"
            echo "nonce=$TASK_NONCE"
            """, environment: new() { ["MY_VAR"] = "hello world" });

        var outcome = await Run(Executor(), task, output);

        Assert.Equal(0, outcome.ExitCode);
        var lines = output.Stdout.Text().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(line => line[..line.IndexOf('=')], line => line[(line.IndexOf('=') + 1)..]);
        Assert.Equal("unset", lines["canary"]);
        // HOME and the working directory are the sandbox's own tmpfs; TMPDIR is its /tmp (on the same tmpfs).
        Assert.Equal("/work", lines["home"]);
        Assert.Equal(lines["pwd"], lines["home"]);
        Assert.Equal("/tmp", lines["tmp"]);
        Assert.Equal("/usr/local/bin:/usr/bin:/bin", lines["path"]);
        Assert.Equal("hello world", lines["mine"]);
        Assert.Equal(task.Id, lines["id"]);
        Assert.Equal("nonce-123", lines["nonce"]);
    }

    /// <summary>
    /// The task's environment is built, never inherited: whatever the silo's process holds, under any name, stays out.
    /// Probes under the names of the silo's own secrets and under names no allow- or deny-list would know are set in
    /// this (the silo's) process; the task's <c>env</c> must list only the documented variables and its own.
    /// </summary>
    [Fact]
    public async Task No_variable_of_the_silos_environment_reaches_the_task_whatever_its_name()
    {
        var probes = new Dictionary<string, string>
        {
            ["RUNNER_WEBHOOK_SECRET"] = $"webhook-{Guid.NewGuid():N}",
            ["GATEWAY_API_KEY"] = $"apikey-{Guid.NewGuid():N}",
            [$"ZZ_PARITY_PROBE_{Guid.NewGuid():N}"] = $"probe-{Guid.NewGuid():N}",
            ["aws_secret_access_key"] = $"lower-{Guid.NewGuid():N}",
            ["Q"] = $"short-{Guid.NewGuid():N}",
        };
        var previous = probes.Keys.ToDictionary(key => key, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (key, value) in probes) Environment.SetEnvironmentVariable(key, value);
            var silo = Environment.GetEnvironmentVariables().Keys.Cast<string>().ToHashSet(StringComparer.Ordinal);
            Assert.Superset(probes.Keys.ToHashSet(), silo);
            var output = new ExecutionOutput(1 << 16);
            var task = CommandTask("env", environment: new() { ["MY_VAR"] = "mine" });

            var outcome = await Run(Executor(), task, output);

            Assert.Equal(0, outcome.ExitCode);
            var seen = output.Stdout.Text();
            var variables = seen.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ToDictionary(line => line[..line.IndexOf('=')], line => line[(line.IndexOf('=') + 1)..], StringComparer.Ordinal);
            var expected = new Dictionary<string, string>
            {
                ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
                ["HOME"] = "/work",
                ["LANG"] = "C.UTF-8",
                ["TMPDIR"] = "/tmp",
                ["PARITY_TASK_ID"] = task.Id,
                ["TASK_NONCE"] = "nonce-123",
                ["MY_VAR"] = "mine",
                // Set by the task's own shell for its working directory, not taken from the silo.
                ["PWD"] = "/work",
            };
            Assert.Equal(expected.OrderBy(kv => kv.Key), variables.OrderBy(kv => kv.Key));
            foreach (var (key, value) in probes)
            {
                Assert.DoesNotContain(key, seen);
                Assert.DoesNotContain(value, seen);
            }
        }
        finally
        {
            foreach (var (key, value) in previous) Environment.SetEnvironmentVariable(key, value);
        }
    }

    [Fact]
    public async Task Runs_in_the_working_dir_inside_a_fresh_work_directory()
    {
        var output = new ExecutionOutput(4096);
        var executor = Executor();

        var outcome = await Run(executor, CommandTask("pwd; echo data > made-here; ls", workingDir: "sub/dir"), output);
        var second = new ExecutionOutput(4096);
        var again = await Run(executor, CommandTask("ls -A /work | grep -v '^.tmp$'; echo end"), second);

        Assert.Equal(0, outcome.ExitCode);
        var lines = output.Stdout.Text().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/work/sub/dir", lines[0]);
        Assert.Equal("made-here", lines[1]);
        // The next task's work directory starts empty: nothing of the first one is left.
        Assert.Equal(0, again.ExitCode);
        Assert.Equal("end\n", second.Stdout.Text());
    }

    [Fact]
    public async Task Output_beyond_the_cap_is_truncated_and_marked_while_the_process_completes()
    {
        var output = new ExecutionOutput(1000);

        var outcome = await Run(Executor(), CommandTask("head -c 200000 /dev/zero | tr '\\0' a; echo finished >&2"), output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.True(output.Stdout.Truncated);
        Assert.Equal(199_000, output.Stdout.DiscardedBytes);
        Assert.Equal(new string('a', 1000) + string.Format(OutputCapture.TruncationMarker, 1000), output.Stdout.Text());
        Assert.Equal("finished\n", output.Stderr.Text());
    }

    [Fact]
    public async Task Timeout_kills_every_process_of_the_task()
    {
        var marker = TaskProcesses.NewMarker();
        var output = new ExecutionOutput(4096);
        var task = CommandTask($"sleep {marker} & sleep {marker}", timeoutSeconds: 2);
        var clock = Stopwatch.StartNew();

        var running = Run(Executor(), task, output);
        // The scan sees the task's processes while it runs, so its empty answer afterwards means something.
        if (!await TaskProcesses.AppearAsync(marker, 2))
        {
            var ended = await running;
            Assert.Fail($"the task's sleeps never showed in /proc; it ended: {ended.ExitCode} {ended.Error} {output.Stderr.Text()}");
        }
        var outcome = await running;

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.True(outcome.TimedOut, $"{outcome.Error} exit {outcome.ExitCode} {output.Stderr.Text()}");
        Assert.False(outcome.Cancelled);
        Assert.Equal(-1, outcome.ExitCode);
        Assert.Equal("task execution exceeded timeout of 2 s (config.timeout_seconds)", outcome.Error);
        Assert.Empty(TaskProcesses.Find(marker));
    }

    [Fact]
    public async Task Runner_timeout_caps_a_longer_task_timeout()
    {
        var output = new ExecutionOutput(4096);
        var executor = Executor(o => o with { ExecutionTimeout = TimeSpan.FromSeconds(1) });
        var clock = Stopwatch.StartNew();

        var outcome = await Run(executor, CommandTask("sleep 300", timeoutSeconds: 100), output);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.True(outcome.TimedOut, $"{outcome.Error} exit {outcome.ExitCode} {output.Stderr.Text()}");
        Assert.Equal(-1, outcome.ExitCode);
        Assert.Equal("task execution exceeded timeout of 1 s (RUNNER_EXECUTION_TIMEOUT)", outcome.Error);
    }

    [Fact]
    public async Task Cancellation_kills_every_process_of_the_task()
    {
        var marker = TaskProcesses.NewMarker();
        var output = new ExecutionOutput(4096);
        var task = CommandTask($"sleep {marker} & sleep {marker}");
        using var cancellation = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();

        var running = Run(Executor(), task, output, cancellation.Token);
        if (!await TaskProcesses.AppearAsync(marker, 2))
        {
            var ended = await running;
            Assert.Fail($"the task's sleeps never showed in /proc; it ended: {ended.ExitCode} {ended.Error} {output.Stderr.Text()}");
        }
        Assert.False(running.IsCompleted);
        await cancellation.CancelAsync();
        var outcome = await running;

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.True(outcome.Cancelled);
        Assert.False(outcome.TimedOut);
        Assert.Equal(-1, outcome.ExitCode);
        Assert.Equal("task was cancelled", outcome.Error);
        Assert.Empty(TaskProcesses.Find(marker));
    }

    [Fact]
    public async Task Background_stragglers_are_killed_after_a_normal_exit()
    {
        var marker = TaskProcesses.NewMarker();
        var output = new ExecutionOutput(4096);
        var clock = Stopwatch.StartNew();

        var outcome = await Run(Executor(), CommandTask($"sleep {marker} & echo done"), output);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.Error);
        Assert.Equal("done\n", output.Stdout.Text());
        Assert.Empty(TaskProcesses.Find(marker));
    }

    [Fact]
    public async Task Memory_limit_stops_a_large_allocation()
    {
        var executor = Executor(o => o with { MemoryLimitBytes = 64L * 1024 * 1024 });

        var small = new ExecutionOutput(4096);
        var smallOutcome = await Run(executor, CommandTask("head -c 1m /dev/zero | tail | wc -c"), small);
        var large = new ExecutionOutput(4096);
        var largeOutcome = await Run(executor, CommandTask("head -c 600m /dev/zero | tail > /dev/null"), large);

        Assert.Equal(0, smallOutcome.ExitCode);
        Assert.Equal("1048576", small.Stdout.Text().Trim());
        // The cgroup's OOM killer ends the allocation and the outcome names the limit.
        Assert.NotEqual(0, largeOutcome.ExitCode);
        Assert.Equal("out of memory (limit 64 MiB, RUNNER_SHELL_MEMORY_LIMIT)", largeOutcome.Error);
    }

    [Fact]
    public async Task Measures_cpu_time_and_peak_memory()
    {
        var output = new ExecutionOutput(4096);

        var outcome = await Run(Executor(),
            CommandTask("i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done; echo $i"), output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal("1000000\n", output.Stdout.Text());
        Assert.True(outcome.CpuSeconds > 0.2, $"cpu {outcome.CpuSeconds}");
        Assert.True(outcome.PeakMemoryBytes > 0, $"peak {outcome.PeakMemoryBytes}");
    }

    [Fact]
    public async Task Peak_memory_includes_the_children_the_shell_waited_for()
    {
        var output = new ExecutionOutput(4096);

        // tail holds the whole newline-free input in memory: a child's peak of at least 48 MiB.
        var outcome = await Run(Executor(), CommandTask("head -c 48m /dev/zero | tail > /dev/null; echo ok"), output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.True(outcome.PeakMemoryBytes >= 48L * 1024 * 1024, $"peak {outcome.PeakMemoryBytes}");
    }

    [Fact]
    public async Task A_shell_killed_by_a_signal_exits_with_128_plus_the_signal()
    {
        var output = new ExecutionOutput(4096);

        var outcome = await Run(Executor(), CommandTask("kill -TERM $$"), output);

        Assert.Equal(128 + 15, outcome.ExitCode);
        Assert.Null(outcome.Error);
    }

    [Fact]
    public async Task The_task_starts_with_default_signal_handling()
    {
        var output = new ExecutionOutput(4096);

        // With SIGPIPE ignored (as the runtime has it) yes would see EPIPE and complain on stderr instead of dying quietly.
        var outcome = await Run(Executor(), CommandTask("yes | head -n 1"), output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal("y\n", output.Stdout.Text());
        Assert.Equal("", output.Stderr.Text());
    }

    [Fact]
    public async Task Disabled_executor_runs_nothing()
    {
        var marker = Path.Combine(_scratch, "ran");
        var output = new ExecutionOutput(4096);
        var executor = Executor(o => o with { Enabled = false });

        var outcome = await Run(executor, CommandTask("""touch "$MARKER" """, environment: new() { ["MARKER"] = marker }), output);

        Assert.Equal(-1, outcome.ExitCode);
        Assert.Contains("RUNNER_SHELL_ENABLED", outcome.Error);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Invalid_config_is_refused_by_the_task_type_table_before_the_executor_sees_it()
    {
        var task = new ParityTask { Id = "bad", Type = TaskType.Command, Config = """{"command": 42}""" };

        var error = Assert.Throws<TaskConfigException>(() => TaskRun.Of(task, 1));

        Assert.Equal("config.command must be a string", error.Message);
        var run = TaskRun.Of(CommandTask("echo fine"), 3);
        Assert.Equal("echo fine", Assert.IsType<ShellTaskConfig>(run.Config).Command);
        Assert.Equal(3, run.Attempt);
        Assert.Equal(TaskType.Command, Executor().Type);
    }

    [Fact]
    public async Task A_runner_that_cannot_sandbox_refuses_shell_tasks_and_does_not_offer_them()
    {
        var marker = Path.Combine(_scratch, "ran");
        var executor = Executor(o => o with { SandboxTool = Path.Combine(_scratch, "no-bwrap") });

        var outcome = await Run(executor, CommandTask($"touch {marker}"), new ExecutionOutput(4096));

        Assert.False(executor.Available);
        Assert.Equal(-1, outcome.ExitCode);
        Assert.Equal($"cannot run shell tasks sandboxed on this runner: {Path.Combine(_scratch, "no-bwrap")} is missing " +
                     "(deploy/install-engines.sh bubblewrap util-linux installs it)", outcome.Error);
        Assert.False(File.Exists(marker));
        Assert.True(Executor().Available);
    }

    [Fact]
    public async Task A_sandbox_tool_that_fails_its_trial_run_turns_shell_tasks_off_with_what_it_said()
    {
        // A tool that is there but cannot make namespaces (a kernel or AppArmor without unprivileged user namespaces)
        // is caught by the trial run, before any task trusts it.
        // A root silo runs the tool as nobody (setpriv): it must be where nobody can read it, as /usr/bin is.
        File.SetUnixFileMode(_scratch, (UnixFileMode)Convert.ToInt32("755", 8));
        var tool = Path.Combine(_scratch, "failing-bwrap");
        await File.WriteAllTextAsync(tool, "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n");
        File.SetUnixFileMode(tool, (UnixFileMode)Convert.ToInt32("755", 8));
        var marker = Path.Combine(_scratch, "ran");
        var executor = Executor(o => o with { SandboxTool = tool });

        var outcome = await Run(executor, CommandTask($"touch {marker}"), new ExecutionOutput(4096));

        Assert.False(executor.Available);
        Assert.Equal(-1, outcome.ExitCode);
        Assert.StartsWith("cannot run shell tasks sandboxed on this runner: a trial sandbox failed (exit 1): " +
                          "bwrap: No permissions to creating new namespace (bubblewrap needs unprivileged user namespaces", outcome.Error);
        Assert.False(File.Exists(marker));
    }
}
