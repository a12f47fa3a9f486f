using Orleans.Hosting;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// A runner that accepted a task and then went silent (no renewal, no result, and asked, not running it) loses the
/// task when the lease lapses: the task grain re-dispatches it as a new attempt, in-process, without any silo stopping.
/// </summary>
public sealed class LapsedLeaseTests
{
    [Fact]
    public async Task A_lease_no_one_renews_lapses_and_the_task_runs_again_as_attempt_2()
    {
        // Attempt 1 is "accepted" by a filter standing in for the runner: the runner grain never sees it, so nothing
        // runs it, renews its lease or reports it, and the runner answers truthfully that it does not run it.
        var ghost = new GhostAcceptance();
        await using var cluster = await ParityTestCluster.StartAsync(silos: 2,
            configure: silo => silo.AddIncomingGrainCallFilter(ghost.InvokeAsync));
        var task = ParityTestCluster.Command("echo ran");
        ghost.TaskId = task.Id;

        Assert.Equal(SubmitOutcome.Accepted, await cluster.TaskGrain(task.Id).Submit(task));

        // Generous: the lease is 2 s (FastTimings), checked every 500 ms; a lease that never lapses never gets here.
        var finished = await cluster.WaitFinished(task.Id, TimeSpan.FromSeconds(30));
        var events = (await cluster.TaskGrain(task.Id).GetLogs())!.Events.Select(e => e.Message).ToList();
        var log = string.Join(" | ", events);
        Assert.True(finished.Status == TaskState.Completed, log);
        Assert.NotNull(ghost.Runner);
        Assert.Equal(1, ghost.Accepted);
        var result = (await cluster.TaskGrain(task.Id).GetResult())!;
        Assert.Equal((2, "ran\n"), (result.Attempt, result.Stdout));
        Assert.Equal(2, finished.Attempt);
        Assert.Equal(
        [
            $"dispatched to {ghost.Runner} (attempt 1)",
            $"lease on {ghost.Runner} lapsed (attempt 1); re-dispatching",
            $"dispatched to {result.Runner} (attempt 2)",
            $"completed on {result.Runner} (attempt 2)",
        ], events.Where(e => e.StartsWith("dispatched", StringComparison.Ordinal) || e.StartsWith("lease", StringComparison.Ordinal)
                             || e.StartsWith("completed", StringComparison.Ordinal)));
    }

    /// <summary>Answers the first TryStart of one task's attempt 1 with "started" without letting the runner see it.</summary>
    private sealed class GhostAcceptance
    {
        private int _accepted;

        public volatile string? TaskId;
        public string? Runner { get; private set; }
        public int Accepted => _accepted;

        public Task InvokeAsync(IIncomingGrainCallContext context)
        {
            if (context.Grain is IRunnerGrain && context.MethodName == nameof(IRunnerGrain.TryStart)
                && context.Request.GetArgument(0) is ParityTask { } task && task.Id == TaskId
                && context.Request.GetArgument(1) is 1 && Interlocked.Exchange(ref _accepted, 1) == 0)
            {
                Runner = context.TargetId.Key.ToString();
                context.Result = true;
                return Task.CompletedTask;
            }
            return context.Invoke();
        }
    }
}
