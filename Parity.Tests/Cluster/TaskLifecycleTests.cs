using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Execution;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>Two real silos: submit, idempotence, cancel, timeout, results.</summary>
public sealed class TaskLifecycleTests : IAsyncLifetime
{
    private ParityTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ParityTestCluster.StartAsync(silos: 2);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Submitted_command_runs_to_completion_with_separate_streams()
    {
        var task = ParityTestCluster.Command("echo hello; echo warning >&2");
        Assert.Equal(SubmitOutcome.Accepted, await _cluster.TaskGrain(task.Id).Submit(task));

        var finished = await _cluster.WaitFinished(task.Id);
        Assert.Equal(TaskState.Completed, finished.Status);
        var result = await _cluster.TaskGrain(task.Id).GetResult();
        Assert.NotNull(result);
        Assert.Equal("hello\n", result.Stdout);
        Assert.Equal("warning\n", result.Stderr);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(task.Id, result.TaskId);
        Assert.Equal(finished.Runner, result.Runner);
        Assert.NotNull(finished.CompletedAt);
    }

    [Fact]
    public async Task Nonzero_exit_fails_the_task_and_keeps_the_code()
    {
        var task = ParityTestCluster.Command("exit 7");
        await _cluster.TaskGrain(task.Id).Submit(task);
        var finished = await _cluster.WaitFinished(task.Id);
        Assert.Equal(TaskState.Failed, finished.Status);
        Assert.Equal("exited with code 7", finished.Error);
        Assert.Equal(7, (await _cluster.TaskGrain(task.Id).GetResult())!.ExitCode);
    }

    [Fact]
    public async Task Duplicate_submissions_execute_once()
    {
        // A sandboxed task cannot write to the host: each execution shows instead as a sleep with a unique argument
        // (GNU sleep sums its arguments: about 2 s), seen from the host's /proc.
        var marker = "0." + TaskProcesses.NewMarker();
        var task = ParityTestCluster.Command($"sleep 2 {marker}");
        var seen = new HashSet<int>();
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                foreach (var pid in TaskProcesses.Find(marker)) lock (seen) seen.Add(pid);
                await Task.Delay(20);
            }
        });

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _cluster.TaskGrain(task.Id).Submit(task)));
        Assert.Single(outcomes, o => o == SubmitOutcome.Accepted);
        Assert.Equal(7, outcomes.Count(o => o == SubmitOutcome.Duplicate));

        var finished = await _cluster.WaitFinished(task.Id);
        Assert.Equal(SubmitOutcome.Duplicate, await _cluster.TaskGrain(task.Id).Submit(task));
        // A second run can only start from a dispatch, on one of the grain's ticks. A poke runs a tick as a grain call,
        // after the submit's turn: once it returns, any dispatch the duplicate caused has happened and is in the events.
        await _cluster.TaskGrain(task.Id).Poke(null);
        await watching.CancelAsync();
        await watcher;
        Assert.Equal(TaskState.Completed, finished.Status);
        Assert.Single(seen);
        var events = (await _cluster.TaskGrain(task.Id).GetLogs())!.Events.Select(e => e.Message).ToList();
        Assert.Equal(["dispatched to " + finished.Runner + " (attempt 1)"], events.Where(e => e.StartsWith("dispatched", StringComparison.Ordinal)));
        var final = (await _cluster.TaskGrain(task.Id).Get())!;
        Assert.Equal((TaskState.Completed, 1), (final.Status, final.Attempt));
    }

    /// <summary>
    /// A submit is idempotent by id: a second one with another body (a retried push whose task changed, a client
    /// reusing an id) is a duplicate and changes nothing, before the run, during it, or after it.
    /// </summary>
    [Fact]
    public async Task A_duplicate_submit_with_another_config_keeps_the_first_submits_config()
    {
        var first = ParityTestCluster.Command("echo first");
        var second = ParityTestCluster.Command("echo second", id: first.Id, timeoutSeconds: 5);
        var grain = _cluster.TaskGrain(first.Id);

        Assert.Equal(SubmitOutcome.Accepted, await grain.Submit(first));
        Assert.Equal(SubmitOutcome.Duplicate, await grain.Submit(second));
        var kept = (await grain.Get())!;
        Assert.Equal((first.Config, first.Title), (kept.Config, kept.Title));

        var finished = await _cluster.WaitFinished(first.Id);
        Assert.Equal(TaskState.Completed, finished.Status);
        Assert.Equal("first\n", (await grain.GetResult())!.Stdout);
        Assert.Equal(SubmitOutcome.Duplicate, await grain.Submit(second));
        var stored = (await grain.Get())!;
        Assert.Equal((first.Config, first.Title, TaskState.Completed, 1), (stored.Config, stored.Title, stored.Status, stored.Attempt));
    }

    [Fact]
    public async Task Cancelling_a_running_task_kills_its_process()
    {
        var marker = TaskProcesses.NewMarker();
        var task = ParityTestCluster.Command($"exec sleep {marker}");
        await _cluster.TaskGrain(task.Id).Submit(task);
        await _cluster.WaitFor(task.Id, t => t.Status == TaskState.Running, TimeSpan.FromSeconds(30), "running");
        Assert.True(await TaskProcesses.AppearAsync(marker, 1), "the task's sleep never showed in /proc");

        Assert.Equal(CancelOutcome.Cancelled, await _cluster.TaskGrain(task.Id).Cancel("test"));
        Assert.Equal(TaskState.Cancelled, (await _cluster.TaskGrain(task.Id).Get())!.Status);
        await Eventually.True(() => TaskProcesses.Find(marker).Count == 0, TimeSpan.FromSeconds(10), "the task's sleep to be killed");

        Assert.Equal(CancelOutcome.AlreadyFinished, await _cluster.TaskGrain(task.Id).Cancel("again"));
        Assert.Equal(CancelOutcome.NotFound, await _cluster.TaskGrain("no-such-task").Cancel("test"));
    }

    [Fact]
    public async Task Timeout_kills_every_process_of_the_task()
    {
        var marker = TaskProcesses.NewMarker();
        var task = ParityTestCluster.Command($"sleep {marker} & wait", timeoutSeconds: 5);
        await _cluster.TaskGrain(task.Id).Submit(task);
        Assert.True(await TaskProcesses.AppearAsync(marker, 1), "the task's background sleep never showed in /proc");

        var finished = await _cluster.WaitFinished(task.Id);
        Assert.Equal(TaskState.Failed, finished.Status);
        var result = (await _cluster.TaskGrain(task.Id).GetResult())!;
        Assert.Equal(-1, result.ExitCode);
        Assert.Contains("timeout", result.Error);
        await Eventually.True(() => TaskProcesses.Find(marker).Count == 0, TimeSpan.FromSeconds(10), "the background sleep to be killed");
    }

    [Fact]
    public async Task Logs_show_the_lifecycle_and_live_output()
    {
        var task = ParityTestCluster.Command("echo started; sleep 2; echo done");
        await _cluster.TaskGrain(task.Id).Submit(task);
        var live = await Eventually.Get(async () => await _cluster.TaskGrain(task.Id).GetLogs() is { Live: true, Stdout: "started\n" } l ? l : null,
            TimeSpan.FromSeconds(30), "live output");
        Assert.Equal(TaskState.Running, live.Status);
        // The runner answers for the attempt it runs, never passing its output off as another attempt's.
        var running = (await _cluster.TaskGrain(task.Id).Get())!;
        var runner = _cluster.Client.GetGrain<IRunnerGrain>(running.Runner!);
        Assert.Equal("started\n", (await runner.GetLiveOutput(task.Id, running.Attempt))?.Stdout);
        Assert.Null(await runner.GetLiveOutput(task.Id, running.Attempt + 1));
        Assert.Empty(await runner.LiveOutput(task.Id, running.Attempt - 1, 0).ToListAsync());

        await _cluster.WaitFinished(task.Id);
        var logs = (await _cluster.TaskGrain(task.Id).GetLogs())!;
        Assert.False(logs.Live);
        Assert.Equal("started\ndone\n", logs.Stdout);
        Assert.Collection(logs.Events,
            e => Assert.Equal("submitted (command)", e.Message),
            e => Assert.StartsWith("dispatched to ", e.Message),
            e => Assert.StartsWith("completed on ", e.Message));
    }

    [Fact]
    public async Task Index_lists_and_counts_tasks_by_status()
    {
        var ok = ParityTestCluster.Command("true");
        var bad = ParityTestCluster.Command("false");
        await _cluster.TaskGrain(ok.Id).Submit(ok);
        await _cluster.TaskGrain(bad.Id).Submit(bad);
        await _cluster.WaitFinished(ok.Id);
        await _cluster.WaitFinished(bad.Id);

        var grains = _cluster.Client;
        await Eventually.True(async () => (await TaskIndex.ListAsync(grains, TaskState.Failed, 0, 50)).Tasks.Any(t => t.Id == bad.Id),
            TimeSpan.FromSeconds(10), "failed task listed");
        var completed = await TaskIndex.ListAsync(grains, TaskState.Completed, 0, 500);
        Assert.Contains(completed.Tasks, t => t.Id == ok.Id);
        Assert.DoesNotContain(completed.Tasks, t => t.Id == bad.Id);
        Assert.True((await TaskIndex.CountsAsync(grains)).Failed >= 1);
    }
}
