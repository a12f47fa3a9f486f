using Parity.Runners;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// What /api/v1/runners shows around a silo's death: the dead silo's runner offline as soon as the cluster declares the
/// silo dead (not an offline window later), and, from a directory that has just moved to a survivor with heartbeats
/// up to a batch old, a runner whose silo is active still online.
/// </summary>
public sealed class RunnerDirectoryFailoverTests
{
    // An offline window of 15 minutes: nothing in these tests goes stale by the clock.
    private static IReadOnlyDictionary<string, string?> SlowHeartbeats(int _) => new Dictionary<string, string?> { ["RUNNER_HEARTBEAT_INTERVAL"] = "5m" };

    [Fact]
    public async Task A_runner_of_a_silo_declared_dead_shows_offline_at_once()
    {
        await using var cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: SlowHeartbeats);
        var directory = cluster.Client.GetGrain<IRunnerDirectoryGrain>(0);
        var victim = cluster.Cluster.Silos[1];
        var deadAddress = victim.SiloAddress;
        await cluster.Cluster.KillSiloAsync(victim);
        var survivor = await cluster.Client.GetGrain<IRunnerGrain>(cluster.Cluster.Silos[0].Name).GetInfo();

        // A last heartbeat of the dead silo's runner that arrived just before it died, still fresh by the clock.
        await directory.Heartbeat(survivor with { Name = "ghost", SiloAddress = deadAddress.ToParsableString(), LastHeartbeat = DateTimeOffset.UtcNow });

        await Eventually.True(async () => (await directory.GetRunners()).Single(r => r.Name == "ghost").Status == RunnerStatus.Offline,
            TimeSpan.FromSeconds(60), "the dead silo's runner offline");
        var ghost = (await directory.GetRunners()).Single(r => r.Name == "ghost");
        Assert.Equal(0, ghost.SlotsFree);
        Assert.Equal(RunnerStatus.Online, (await directory.GetRunners()).Single(r => r.Name == survivor.Name).Status);
    }

    [Fact]
    public async Task A_directory_that_has_just_moved_keeps_a_live_silos_runner_online_whatever_its_stored_heartbeat()
    {
        await using var cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: SlowHeartbeats);
        var directory = cluster.Client.GetGrain<IRunnerDirectoryGrain>(0);
        var runner = await cluster.Client.GetGrain<IRunnerGrain>(cluster.Cluster.Silos[1].Name).GetInfo();

        // What a directory re-activated from storage holds for a survivor: its last batch-written heartbeat, older
        // than an offline window, while the survivor's next heartbeat is still on its way.
        await directory.Heartbeat(runner with { LastHeartbeat = DateTimeOffset.UtcNow - TimeSpan.FromHours(1) });

        var shown = (await directory.GetRunners()).Single(r => r.Name == runner.Name);
        Assert.Equal(RunnerStatus.Online, shown.Status);
        Assert.Equal(runner.SlotsFree, shown.SlotsFree);
    }
}
