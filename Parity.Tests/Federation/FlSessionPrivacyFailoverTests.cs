using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Runtime;
using Parity.Federation;
using Parity.Federation.Privacy;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// A session with differential privacy whose silo is killed mid-way: it resumes on another silo and reports the ε the
/// accountant gives for its rounds, keeps the adaptive clip where it was, and stops at max_epsilon at the same round
/// an uninterrupted session would.
/// </summary>
public sealed class FlSessionPrivacyFailoverTests
{
    private const double Delta = 1e-3;
    private const double Z = 1.5;

    private static double Expected(int rounds)
    {
        var accountant = new PrivacyAccountant();
        accountant.Spend(1.0, Z, rounds);
        return accountant.Epsilon(Delta).Epsilon;
    }

    [Fact]
    public async Task A_killed_session_resumes_with_the_same_epsilon_clip_and_budget_stop()
    {
        var id = Guid.NewGuid().ToString();
        // Round 4 is held (its reports wait at their senders), so the kill surely finds the session mid-way.
        var gate = FlSessionCluster.HoldRound(id, 4);
        await using var fl = await FlSessionCluster.StartAsync(4, silo => silo.AddOutgoingGrainCallFilter(gate.InvokeAsync));
        var (grain, host, participants) = await fl.PlaceSession(id);
        var body = fl.IrisSession(rounds: 16, participants);
        // Room for ten rounds and not an eleventh: the stop comes after the kill, from the rounds the resumed session read back.
        body["config"]!["privacy_config"] = new JsonObject
        {
            ["differential_privacy"] = true, ["noise_multiplier"] = Z, ["l2_norm_clip"] = 0.2, ["mode"] = "server",
            ["clipping"] = "adaptive", ["target_delta"] = Delta, ["target_quantile"] = 0.5, ["clip_learning_rate"] = 0.2,
            ["clip_count_stddev"] = 2.0, ["max_epsilon"] = (Expected(10) + Expected(11)) / 2,
        };
        await FlSessionCluster.CreateAndStart(grain, body);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(FlSessionStatus.Active, (await grain.Get())!.Status);
        await fl.KillSilo(host);
        gate.Open();

        var resumed = await fl.WaitFinished(id);
        Assert.True(resumed.Status == FlSessionStatus.Completed, $"{resumed.Status}: {resumed.Error}");
        Assert.NotEqual(host, await fl.HostOf(grain));
        Assert.Equal(10, resumed.Rounds.Count);
        for (var r = 0; r < 10; r++)
        {
            var privacy = resumed.Rounds[r].Privacy!;
            Assert.Equal(Expected(r + 1), privacy.Epsilon, 9);
            // The clip each round used is where the round before left it, across the kill.
            Assert.Equal(r == 0 ? 0.2 : resumed.Rounds[r - 1].Privacy!.NextClip!.Value, privacy.Clip, 12);
        }
        Assert.Equal(Expected(10), resumed.Privacy!.Epsilon, 9);
        Assert.Equal(10, resumed.Privacy.Rounds);
        Assert.Equal(resumed.Rounds[9].Privacy!.NextClip!.Value, resumed.Privacy.Clip, 12);
        Assert.Contains("privacy budget: round 11", resumed.Privacy.StopReason);
    }
}
