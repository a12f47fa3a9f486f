using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// Secure aggregation when silos die: a participant killed after the key steps (its masks are stripped from the sum
/// with the others' shares of its key) and the session's own silo (the round starts over with new keys). Each test has
/// its own cluster, as it kills a silo of it.
/// </summary>
public sealed class FlSecureAggregationFailoverTests
{
    [Fact]
    public async Task A_participant_killed_after_sharing_its_secrets_leaves_a_sum_the_survivors_unmask()
    {
        // Part 2's runner is held as it is about to mask its trained update: it has shared its secrets, and will never mask.
        var gate = new CallGate(call => call.InterfaceMethod?.Name == nameof(IFlPartGrain.SecAggMask)
                                        && call.TargetId.Key.ToString()!.EndsWith("/2", StringComparison.Ordinal));
        await using var fl = await FlSessionCluster.StartAsync(3, silo => silo.AddIncomingGrainCallFilter(gate.InvokeAsync));
        var body = FlSecureAggregationTests.Secure(fl.IrisSession(rounds: 1));
        body["quorum"] = 2;
        var id = await fl.CreateAsync(body);
        await fl.StartSessionAsync(id);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        var lost = (await fl.Session(id)).Participants.Single(p => p.PartIndex == 2).Runner;
        await fl.KillSilo(lost);
        gate.Open();

        var session = await fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        var round = session.Rounds[0];
        Assert.Equal([0, 1], round.Aggregated!);
        Assert.Equal(FlUpdateStatus.Lost, round.Updates.Single(u => u.PartIndex == 2).Status);
        // Had its pairwise masks stayed in the sum, every weight would be off by a random ring word (hundreds at this
        // scale) and the model would guess; stripped, it is the two survivors' FedAvg.
        var weights = FlSecureAggregationTests.Weights(await fl.Model(id));
        Assert.All(weights.Values.SelectMany(v => v), w => Assert.InRange(w, -20f, 20f));
        Assert.True(round.Metrics!.TestAccuracy > 0.6, $"test accuracy {round.Metrics.TestAccuracy}");
    }

    [Fact]
    public async Task A_session_killed_mid_round_starts_the_round_over_with_new_keys()
    {
        var id = Guid.NewGuid().ToString();
        // Round 1's reports wait at their senders until the gate opens, so the kill surely finds the round open.
        var gate = FlSessionCluster.HoldRound(id, 1, report => !report.TaskId.EndsWith("-a1", StringComparison.Ordinal));
        await using var fl = await FlSessionCluster.StartAsync(4, silo => silo.AddOutgoingGrainCallFilter(gate.InvokeAsync));
        var (grain, host, participants) = await fl.PlaceSession(id);
        await FlSessionCluster.CreateAndStart(grain, FlSecureAggregationTests.Secure(fl.IrisSession(rounds: 2, participants)));
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        await fl.KillSilo(host);
        gate.Open();

        var session = await fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        var first = session.Rounds[0];
        Assert.Equal(1, first.SecAggAttempt);
        Assert.All(first.Updates, u => Assert.EndsWith("-a1", u.TaskId));
        Assert.Equal(3, first.Accepted);
        var events = await grain.NextEvents(0, TimeSpan.Zero);
        Assert.Contains(events, e => e.Type == "round_restarted" && e.Round == 1);
        Assert.All(FlSecureAggregationTests.Weights(await fl.Model(id)).Values.SelectMany(v => v), w => Assert.InRange(w, -20f, 20f));
    }
}
