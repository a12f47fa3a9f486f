using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>A runner's silo goes away mid-task: the task completes elsewhere, and its result is recorded once.</summary>
public sealed class FailoverTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_silo_lost_mid_task_hands_the_task_to_another(bool kill)
    {
        await using var cluster = await ParityTestCluster.StartAsync(silos: 3);
        // Long enough to outlast the stop or kill below on a loaded machine: a run that finished first proves nothing.
        var task = ParityTestCluster.Command("sleep 8; echo finished");
        await cluster.TaskGrain(task.Id).Submit(task);
        var running = await cluster.WaitFor(task.Id, t => t.Status == TaskState.Running, TimeSpan.FromSeconds(30), "running");
        var firstRunner = running.Runner!;
        var silo = cluster.Cluster.Silos.Single(s => s.Name == firstRunner);

        if (kill) await cluster.Cluster.KillSiloAsync(silo);
        else await cluster.Cluster.StopSiloAsync(silo);

        var finished = await cluster.WaitFinished(task.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(TaskState.Completed, finished.Status);
        Assert.NotEqual(firstRunner, finished.Runner);
        var result = (await cluster.TaskGrain(task.Id).GetResult())!;
        Assert.Equal("finished\n", result.Stdout);
        Assert.Equal(finished.Runner, result.Runner);
        Assert.True(result.Attempt >= 2, $"attempt {result.Attempt}");

        var logs = (await cluster.TaskGrain(task.Id).GetLogs())!;
        Assert.Single(logs.Events, e => e.Message.StartsWith("completed on "));
        // An in-process "kill" still runs the silo's stop stages, so only a graceful stop is sure to hand back;
        // the multi-process test covers a real kill -9 (lease lapse).
        if (!kill) Assert.Contains(logs.Events, e => e.Message.StartsWith($"handed back by {firstRunner}"));
    }

    [Fact]
    public async Task A_runner_that_shows_offline_but_renews_its_lease_keeps_its_task()
    {
        await using var cluster = await ParityTestCluster.StartAsync(silos: 2);
        var task = ParityTestCluster.Command("echo started; sleep 3; echo finished");
        await cluster.TaskGrain(task.Id).Submit(task);
        var running = await cluster.WaitFor(task.Id, t => t.Status == TaskState.Running, TimeSpan.FromSeconds(30), "running");

        // What a loaded runner looks like to the cluster when its heartbeats are late: offline in the directory,
        // while its silo is alive and it keeps renewing the lease of the task it runs.
        await cluster.Client.GetGrain<IRunnerGrain>(running.Runner!).GoOffline();
        await Eventually.True(async () => (await cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners())
            .Any(r => r.Name == running.Runner && r.Status == RunnerStatus.Offline), TimeSpan.FromSeconds(30), "runner offline");

        var finished = await cluster.WaitFinished(task.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(TaskState.Completed, finished.Status);
        var result = (await cluster.TaskGrain(task.Id).GetResult())!;
        Assert.Equal((running.Runner, running.Attempt), (result.Runner, result.Attempt));
        Assert.Equal("started\nfinished\n", result.Stdout);
    }

    [Fact]
    public async Task A_stopped_silo_shows_offline_in_the_directory()
    {
        await using var cluster = await ParityTestCluster.StartAsync(silos: 2);
        var secondary = cluster.Cluster.Silos[1];
        await cluster.Cluster.StopSiloAsync(secondary);
        await Eventually.True(async () =>
                (await cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners())
                .Any(r => r.Name == secondary.Name && r.Status == RunnerStatus.Offline),
            TimeSpan.FromSeconds(30), "stopped runner offline");
    }
}

/// <summary>Tasks go only to runners that can run them.</summary>
public sealed class CapabilityRoutingTests
{
    [Fact]
    public async Task Command_tasks_go_only_to_runners_with_shell_enabled()
    {
        await using var cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: index => index == 0
            ? new Dictionary<string, string?> { ["RUNNER_SHELL_ENABLED"] = "false" }
            : new Dictionary<string, string?>());
        var runners = await cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        var shellRunner = Assert.Single(runners, r => r.Capabilities.TaskTypes.Contains(TaskType.Command));
        // Training needs no engine: a runner without shell or Docker still takes federated_learning tasks, and only those.
        Assert.Contains(runners, r => !r.Capabilities.Shell && r.Capabilities.TaskTypes.SequenceEqual([TaskType.FederatedLearning]));

        var tasks = Enumerable.Range(0, 6).Select(_ => ParityTestCluster.Command("true")).ToList();
        foreach (var task in tasks) await cluster.TaskGrain(task.Id).Submit(task);
        foreach (var task in tasks)
        {
            var finished = await cluster.WaitFinished(task.Id);
            Assert.Equal(TaskState.Completed, finished.Status);
            Assert.Equal(shellRunner.Name, finished.Runner);
        }
    }

    [Fact]
    public async Task A_shell_task_in_a_cluster_with_shell_off_fails_at_once_with_the_reason()
    {
        // A one-minute heartbeat makes the grace a briefly offline runner gets three minutes: the task must fail well
        // before that, since runners decide at start whether they take shell tasks and none this cluster knows does.
        await using var cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: _ => new Dictionary<string, string?>
        {
            ["RUNNER_SHELL_ENABLED"] = "false", ["RUNNER_HEARTBEAT_INTERVAL"] = "60s",
        });
        var task = ParityTestCluster.Command("echo never");
        await cluster.TaskGrain(task.Id).Submit(task);
        var finished = await cluster.WaitFinished(task.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(TaskState.Failed, finished.Status);
        Assert.Contains("no runner in the cluster can run 'command' tasks (shell tasks are off", finished.Error);
        Assert.Contains("RUNNER_SHELL_ENABLED", finished.Error);
        Assert.Null(await cluster.TaskGrain(task.Id).GetResult());
    }

    [Fact]
    public async Task A_runner_never_runs_more_tasks_than_its_slots()
    {
        await using var cluster = await ParityTestCluster.StartAsync(silos: 1,
            overrides: _ => new Dictionary<string, string?> { ["RUNNER_MAX_CONCURRENT_TASKS"] = "1" });
        var tasks = Enumerable.Range(0, 3).Select(_ => ParityTestCluster.Command("sleep 0.5")).ToList();
        foreach (var task in tasks) await cluster.TaskGrain(task.Id).Submit(task);

        var runner = cluster.Client.GetGrain<IRunnerGrain>(cluster.Cluster.Silos[0].Name);
        var maxSeen = 0;
        while (true)
        {
            maxSeen = Math.Max(maxSeen, (await runner.GetInfo()).SlotsUsed);
            var states = await Task.WhenAll(tasks.Select(t => cluster.TaskGrain(t.Id).Get()));
            maxSeen = Math.Max(maxSeen, states.Count(s => s!.Status == TaskState.Running));
            if (states.All(s => s!.Status.IsTerminal())) break;
            await Task.Delay(50);
        }
        Assert.Equal(1, maxSeen);
        foreach (var task in tasks) Assert.Equal(TaskState.Completed, (await cluster.TaskGrain(task.Id).Get())!.Status);
    }
}
