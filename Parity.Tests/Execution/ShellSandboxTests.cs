using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Parity.Execution;
using Parity.Execution.Sandbox;
using static Parity.Tests.Execution.ShellExecutorTests;

namespace Parity.Tests.Execution;

/// <summary>
/// The attacks issue 11 ran against shell tasks, each now failing for the attacker. Every test first shows that what it
/// looks for is there to be found (from the host side), so an empty answer from the task means the sandbox held.
/// </summary>
public sealed class ShellSandboxTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("parity-sandbox-test-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task The_silos_secret_is_not_readable_anywhere_in_proc()
    {
        var secret = $"canary-{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable("RUNNER_WEBHOOK_SECRET", secret);
        // A stand-in silo process whose real (kernel) environment holds the secret, as a silo started with it has.
        var start = new ProcessStartInfo("/bin/sleep", "120") { Environment = { ["RUNNER_WEBHOOK_SECRET"] = secret } };
        using var silo = Process.Start(start)!;
        try
        {
            // Process.Start returns once the child is forked, possibly before it has exec'd sleep: until then its
            // /proc environ can read empty (seen once in CI). Wait for the exec, then check the secret is there.
            Assert.Contains(secret, await EnvironOnceExecd(silo.Id, secret));
            var output = new ExecutionOutput(1 << 20);

            var outcome = await Run(Executor(), CommandTask($$"""
                for f in /proc/*/environ /proc/1/environ /proc/$PPID/environ /proc/{{silo.Id}}/environ /proc/{{Environment.ProcessId}}/environ; do
                  tr '\0' '\n' < "$f" 2>/dev/null
                done
                echo "secret=${RUNNER_WEBHOOK_SECRET:-unset}"
                echo end
                """), output);

            Assert.Equal(0, outcome.ExitCode);
            var seen = output.Stdout.Text();
            Assert.DoesNotContain(secret, seen);
            Assert.Contains("secret=unset\n", seen);
            // The scan did read environments: the task's own.
            Assert.Contains("TASK_NONCE=nonce-123", seen);
            Assert.EndsWith("end\n", seen);
        }
        finally
        {
            silo.Kill();
            Environment.SetEnvironmentVariable("RUNNER_WEBHOOK_SECRET", null);
        }
    }

    private static async Task<string> EnvironOnceExecd(int pid, string secret)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string text;
        do
        {
            text = await File.ReadAllTextAsync($"/proc/{pid}/environ");
            if (text.Contains(secret, StringComparison.Ordinal)) break;
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        return text;
    }

    [Fact]
    public async Task The_task_sees_only_its_own_processes()
    {
        var output = new ExecutionOutput(1 << 16);

        var outcome = await Run(Executor(), CommandTask("ls -d /proc/[0-9]* | wc -l; id -u; id -g"), output);

        Assert.Equal(0, outcome.ExitCode);
        var lines = output.Stdout.Text().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // bubblewrap's init, the shell, ls (wc is the other end of the pipe): a handful, never the host's.
        Assert.InRange(int.Parse(lines[0].Trim()), 2, 6);
        Assert.True(Directory.EnumerateDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _)) > 6);
        Assert.Equal(["65534", "65534"], lines[1..]);
    }

    [Fact]
    public async Task Each_namespace_and_limit_of_the_sandbox_is_the_tasks_own()
    {
        // What the silo itself has, to compare with: a namespace the task shares would show the same inode here.
        string Namespace(string kind) => new FileInfo($"/proc/self/ns/{kind}").LinkTarget!;
        var output = new ExecutionOutput(1 << 16);
        var options = new ShellExecutorOptions { MaxFileSizeBytes = 3L << 20 };

        var outcome = await Run(Executor(o => o with { MaxFileSizeBytes = options.MaxFileSizeBytes }), CommandTask("""
            for kind in ipc uts pid mnt net user; do echo "$kind=$(readlink /proc/self/ns/$kind)"; done
            echo "hostname=$(cat /proc/sys/kernel/hostname)"
            grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs):' /proc/self/status | tr -d '\t' | tr ':' '='
            echo "uid_map=$(tr -s ' ' < /proc/self/uid_map | sed 's/^ //')"
            echo "core=$(ulimit -c)"
            echo "fsize=$(ulimit -f)"
            echo "sid=$(cut -d' ' -f6 /proc/self/stat)"
            echo "shm=$(readlink /dev/shm)"
            echo "devnull=$(echo x > /dev/null && echo writable)"
            echo "dev=$(touch /dev/made 2>/dev/null && echo writable || echo read-only)"
            """), output);

        Assert.Equal(0, outcome.ExitCode);
        var seen = output.Stdout.Text().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        foreach (var kind in new[] { "ipc", "uts", "pid", "mnt", "net", "user" })
            Assert.NotEqual(Namespace(kind), seen[kind]);
        Assert.Equal("parity-task", seen["hostname"]);
        // No capability, not even inside its own user namespace, and none it could gain by exec.
        Assert.Equal("0000000000000000", seen["CapEff"]);
        Assert.Equal("0000000000000000", seen["CapPrm"]);
        Assert.Equal("0000000000000000", seen["CapBnd"]);
        Assert.Equal("1", seen["NoNewPrivs"]);
        // Inside, the task is 65534; outside, it is 65534 too, whatever the silo runs as (root here).
        Assert.Equal($"{SandboxCommand.Nobody} {SandboxCommand.Nobody} 1", seen["uid_map"]);
        Assert.Equal("0", seen["core"]);
        // sh counts the file-size limit in 512-byte blocks.
        Assert.Equal((options.MaxFileSizeBytes / 512).ToString(), seen["fsize"]);
        // A session of its own (bubblewrap's --new-session): the silo's session is outside the task's pid namespace
        // and would read as 0, and a terminal of the silo's could be pushed input to (TIOCSTI).
        Assert.NotEqual("0", seen["sid"]);
        Assert.Equal("/tmp", seen["shm"]);
        Assert.Equal("writable", seen["devnull"]);
        Assert.Equal("read-only", seen["dev"]);
    }

    [Fact]
    public async Task The_task_cannot_write_outside_its_work_directory()
    {
        var name = $"escape-{Guid.NewGuid():N}";
        string[] targets = [Path.Combine(_scratch, name), $"/tmp/{name}", $"/root/{name}", $"/etc/{name}", $"/usr/{name}", $"/var/tmp/{name}", $"/{name}"];
        var output = new ExecutionOutput(1 << 16);
        var writes = string.Join("\n", targets.Select(t => $"echo x > {t} 2>/dev/null && echo wrote {t}"));

        var outcome = await Run(Executor(), CommandTask($"{writes}\necho x > $HOME/mine && echo wrote-home"), output);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal("wrote-home\n", output.Stdout.Text().Replace($"wrote /tmp/{name}\n", ""));
        // /tmp inside is the task's own (on its tmpfs); on the host none of the paths exists.
        Assert.All(targets, t => Assert.False(File.Exists(t), $"the task wrote {t} on the host"));
        Assert.True(Directory.Exists(_scratch));
    }

    [Fact]
    public async Task The_task_cannot_reach_the_silos_loopback_unless_network_is_allowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var probe = $"if busybox nc -w 3 127.0.0.1 {port} </dev/null; then echo connected; else echo refused; fi";

        var isolated = new ExecutionOutput(4096);
        var isolatedOutcome = await Run(Executor(), CommandTask(probe, timeoutSeconds: 30), isolated);
        var reachedWhileIsolated = listener.Pending();
        // The silo side answers by closing the connection, so a connected nc ends.
        var accepted = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            return true;
        });
        var shared = new ExecutionOutput(4096);
        var sharedOutcome = await Run(Executor(o => o with { AllowNetwork = true }), CommandTask(probe, timeoutSeconds: 30), shared);

        Assert.Equal(0, isolatedOutcome.ExitCode);
        Assert.Equal("refused\n", isolated.Stdout.Text());
        Assert.False(reachedWhileIsolated);
        // With RUNNER_SHELL_ALLOW_NETWORK=true the task shares the host's network, the silo's loopback included.
        Assert.Equal(0, sharedOutcome.ExitCode);
        Assert.Equal("connected\n", shared.Stdout.Text());
        Assert.True(await accepted.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task The_process_limit_holds_even_for_a_root_silo()
    {
        var marker = TaskProcesses.NewMarker();
        var output = new ExecutionOutput(1 << 20);
        var task = CommandTask($"""
            (i=0; while [ $i -lt 600 ]; do sleep {marker} & i=$((i+1)); done) 2>/dev/null
            echo launched
            exec sleep {marker}
            """, timeoutSeconds: 10);

        var running = Run(Executor(o => o with { MaxProcesses = 64 }), task, output);
        Assert.True(await TaskProcesses.AppearAsync(marker, 10), "the task's sleeps never showed in /proc");
        // The fork loop (in a subshell: dash gives up at the first failed fork) has ended: count what it started.
        var clock = Stopwatch.StartNew();
        while (!output.Stdout.Text().Contains("launched") && clock.Elapsed < TimeSpan.FromSeconds(9)) await Task.Delay(20);
        var started = TaskProcesses.Find(marker).Count;
        var outcome = await running;

        Assert.True(outcome.TimedOut, $"{outcome.Error} exit {outcome.ExitCode} {output.Stderr.Text()}");
        Assert.Equal("launched\n", output.Stdout.Text());
        Assert.InRange(started, 10, 64);
        Assert.Empty(TaskProcesses.Find(marker));
    }

    [Theory]
    [InlineData("timeout")]
    [InlineData("cancel")]
    [InlineData("exit")]
    public async Task A_setsid_child_does_not_outlive_the_task(string end)
    {
        var marker = TaskProcesses.NewMarker();
        var output = new ExecutionOutput(4096);
        // "started" only once both escaped sleeps run (the task's ps sees them), so an empty scan afterwards means they died.
        var command = $"setsid sleep {marker} & (setsid sh -c 'sleep {marker}' &); " +
                      $"until [ \"$(ps -eo args | grep -c '^sleep {marker}$')\" -ge 2 ]; do sleep 0.05; done; echo started";
        if (end != "exit") command += $"; sleep {marker}";
        using var cancellation = new CancellationTokenSource();

        var running = Run(Executor(), CommandTask(command, timeoutSeconds: end == "timeout" ? 10 : null), output, cancellation.Token);
        if (end == "cancel")
        {
            var clock = Stopwatch.StartNew();
            while (!output.Stdout.Text().Contains("started") && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
            await cancellation.CancelAsync();
        }
        var outcome = await running;

        Assert.Equal(end == "timeout", outcome.TimedOut);
        Assert.Equal(end == "cancel", outcome.Cancelled);
        Assert.Equal("started\n", output.Stdout.Text());
        Assert.Empty(TaskProcesses.Find(marker));
    }

    [Fact]
    public async Task Peak_memory_and_cpu_are_the_tasks_own_from_its_cgroup()
    {
        var small = new ExecutionOutput(4096);
        var smallOutcome = await Run(Executor(), CommandTask("true"), small);
        var output = new ExecutionOutput(4096);

        // tail holds its whole newline-free input resident: 200 MiB.
        var outcome = await Run(Executor(), CommandTask("head -c 200m /dev/zero | tail > /dev/null; echo ok"), output);

        Assert.Equal(0, outcome.ExitCode);
        const long mib = 1024 * 1024;
        Assert.InRange(outcome.PeakMemoryBytes, 180 * mib, 220 * mib);
        Assert.True(outcome.CpuSeconds > 0, $"cpu {outcome.CpuSeconds}");
        // `true` reports its own few MiB, not the silo's resident size.
        Assert.Equal(0, smallOutcome.ExitCode);
        Assert.InRange(smallOutcome.PeakMemoryBytes, 1, 32 * mib);
        Assert.True(Environment.WorkingSet > 64 * mib);
    }

    [Fact]
    public async Task Writing_past_the_disk_cap_fails_with_no_space()
    {
        var output = new ExecutionOutput(4096);
        var task = CommandTask("""
            head -c 6m /dev/zero > /tmp/a && echo tmp-ok
            head -c 6m /dev/zero > $HOME/b && echo home-ok
            """);

        // One cap for the work directory and /tmp together: 6 MiB fits, 12 MiB does not.
        var outcome = await Run(Executor(o => o with { DiskLimitBytes = 8L << 20 }), task, output);

        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal("tmp-ok\n", output.Stdout.Text());
        Assert.Contains("No space left on device", output.Stderr.Text());
    }

    [Fact]
    public async Task Task_cgroups_are_removed_and_a_crashed_silos_leftovers_are_cleaned_at_start()
    {
        var (cgroups, problem) = CgroupDetector.Detect();
        Assert.Null(problem);
        // A cgroup named after a process that is gone, holding a live process: what a crashed silo leaves.
        using var stray = Process.Start("/bin/sleep", TaskProcesses.NewMarker())!;
        string orphanPath;
        using (var orphan = cgroups!.Create("stand-in", new CgroupLimits(64L << 20, 16, 1)))
        {
            orphanPath = orphan.Path;
        }
        var dead = cgroups.Create($"orphan-{Guid.NewGuid():N}", new CgroupLimits(64L << 20, 16, 1), owner: "999999999.1.");
        dead.Add(stray.Id);

        var removed = cgroups.RemoveOrphans();

        Assert.False(Directory.Exists(orphanPath));
        Assert.False(Directory.Exists(dead.Path));
        Assert.True(removed >= 1);
        Assert.True(stray.WaitForExit(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Tasks_running_at_once_have_cgroups_of_their_own_and_leave_none_behind()
    {
        // Where this silo's task cgroups go: the parent of a probe cgroup made the way tasks' are.
        var (cgroups, problem) = CgroupDetector.Detect();
        Assert.Null(problem);
        string parent;
        using (var probe = cgroups!.Create($"probe-{Guid.NewGuid():N}", new CgroupLimits(64L << 20, 16, 1)))
            parent = Path.GetDirectoryName(probe.Path)!;
        var executor = Executor();
        var quick = CommandTask("sleep 0.2; echo quick");
        var slow = CommandTask("echo started; sleep 120");
        var (quickOutput, slowOutput) = (new ExecutionOutput(4096), new ExecutionOutput(4096));
        using var stopSlow = new CancellationTokenSource();

        var slowRun = Run(executor, slow, slowOutput, stopSlow.Token);
        var clock = Stopwatch.StartNew();
        while (!slowOutput.Stdout.Text().Contains("started") && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
        var quickOutcome = await Run(executor, quick, quickOutput);
        // The slow task runs on, in a cgroup of its own named after it; then it is stopped.
        var slowCgroups = Directory.EnumerateDirectories(parent, $"*{SafeName.Of(slow.Id)}-*").ToList();
        await stopSlow.CancelAsync();
        var slowOutcome = await slowRun;

        // Ending the quick task (which kills everything in its cgroup) did not touch the slow one: it ran until cancelled.
        Assert.Equal(0, quickOutcome.ExitCode);
        Assert.Equal("quick\n", quickOutput.Stdout.Text());
        Assert.True(slowOutcome.Cancelled, $"the slow task ended otherwise: exit {slowOutcome.ExitCode}, {slowOutcome.Error}");
        Assert.Equal("started\n", slowOutput.Stdout.Text());
        Assert.Single(slowCgroups);
        Assert.Empty(Directory.EnumerateDirectories(parent, $"*{SafeName.Of(quick.Id)}-*"));
        Assert.Empty(Directory.EnumerateDirectories(parent, $"*{SafeName.Of(slow.Id)}-*"));
    }
}
