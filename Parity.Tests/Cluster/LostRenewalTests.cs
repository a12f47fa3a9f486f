using Orleans.Runtime.Placement;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// A task grain that moved off a dead silo sees no renewal from its runner until the runner's calls find the new
/// activation, and its lease lapses though the run goes on. A lapse whose runner still runs the attempt is no loss:
/// the task keeps its run and its attempt number (a kill of the task grain's silo once cost the tasks it held on the
/// survivor an attempt).
/// </summary>
public sealed class LostRenewalTests
{
    [Fact]
    public async Task A_lapsed_lease_whose_runner_still_runs_the_attempt_is_kept_and_costs_no_attempt()
    {
        // Renewals that never arrive in time, as after the grain moved: the runner (shell on) renews a 1 h lease every
        // 20 min, while the task grain, on the other silo, holds a 1 s lease.
        await using var cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: index => index == 0
            ? new Dictionary<string, string?> { ["RUNNER_LEASE_DURATION"] = "1h" }
            : new Dictionary<string, string?> { ["RUNNER_LEASE_DURATION"] = "1s", ["RUNNER_SHELL_ENABLED"] = "false" });
        var runners = await cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        var shell = runners.Single(r => r.Capabilities.TaskTypes.Contains(TaskType.Command)).Name;
        var other = cluster.Cluster.Silos.Single(s => s.Name != shell);

        var task = ParityTestCluster.Command("sleep 4; echo done");
        RequestContext.Set(IPlacementDirector.PlacementHintKey, other.SiloAddress);
        try
        {
            await cluster.TaskGrain(task.Id).Submit(task);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        var finished = await cluster.WaitFinished(task.Id, TimeSpan.FromSeconds(60));
        var logs = (await cluster.TaskGrain(task.Id).GetLogs())!;
        var events = string.Join(" | ", logs.Events.Select(e => e.Message));
        Assert.True(finished.Status == TaskState.Completed, events);
        // The log first: when the attempt was lost, it says why.
        Assert.False(events.Contains("re-dispatching"), events);
        var result = (await cluster.TaskGrain(task.Id).GetResult())!;
        Assert.Equal((shell, 1, "done\n"), (result.Runner, result.Attempt, result.Stdout));
        Assert.Contains($"lease on {shell} lapsed, but {shell} still runs attempt 1; kept", events);
    }
}
