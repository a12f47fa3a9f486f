using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Runtime;
using Parity.Federation;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// Sessions when silos stop: a participant's silo (the round closes at its quorum and the session completes), and the
/// silo that hosts the session itself (it resumes on another silo with the very model an uninterrupted run produces).
/// Each test has its own cluster, as it stops a silo of it.
/// </summary>
public sealed class FlSessionFailoverTests
{
    [Fact]
    public async Task A_participant_whose_silo_stops_is_no_longer_waited_for_and_rounds_close_at_quorum()
    {
        // Round 3's reports wait at their senders until the silo is stopping, so the stop surely comes mid-session
        // (fast rounds would otherwise all be done first).
        string? id = null;
        var gate = new CallGate(call => id is not null && call.InterfaceMethod?.Name == nameof(IFlSessionGrain.TaskFinished)
                                        && call.Request.GetArgument(0) is FlTaskReport report && report.RoundId == RoundTasks.RoundId(id, 3));
        await using var fl = await FlSessionCluster.StartAsync(3, silo => silo.AddOutgoingGrainCallFilter(gate.InvokeAsync));
        var session = fl.IrisSession(rounds: 12);
        session["quorum"] = 2;
        // A dead participant is not waited for, so the rounds after the stop close as soon as the others have answered.
        session["round_timeout_seconds"] = 10;
        id = await fl.CreateAsync(session);
        await fl.StartSessionAsync(id);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));

        var lost = (await fl.Session(id)).Participants.Single(p => p.PartIndex == 2).Runner;
        // A graceful stop waits for the silo's calls in flight, the held one among them: it is let go once the stop began.
        var stopping = fl.Cluster.Cluster.StopSiloAsync(fl.Cluster.Cluster.Silos.Single(s => s.Name == lost));
        gate.Open();
        await stopping;
        var finished = await fl.WaitFinished(id);

        Assert.True(finished.Status == FlSessionStatus.Completed, $"{finished.Status}: {finished.Error} " +
            string.Join("; ", finished.Rounds[^1].Updates.Select(u => $"{u.Runner} {u.Status} {u.Reason}")));
        Assert.Equal(12, finished.Rounds.Count);
        var withoutIt = finished.Rounds.Where(r => r.Updates.Any(u => u.Runner == lost && u.Status == FlUpdateStatus.Lost)).ToList();
        Assert.NotEmpty(withoutIt);
        foreach (var round in withoutIt)
        {
            Assert.Equal(FlRoundStatus.Completed, round.Status);
            Assert.Equal(2, round.Accepted);
            Assert.Equal([0, 1], round.Aggregated!);
            Assert.DoesNotContain("every participant", round.CloseReason);
        }
        // The last round ran without it, and it was noticed as dead, not merely late.
        var last = finished.Rounds[^1].Updates.Single(u => u.Runner == lost);
        Assert.Equal(FlUpdateStatus.Lost, last.Status);
        Assert.Contains("silo died", last.Reason);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    // With federated evaluation, the held-out scores (kept per round, and in the round tasks) come out the same too.
    [InlineData(true, true)]
    public async Task A_session_whose_silo_stops_resumes_elsewhere_with_the_same_model_as_an_uninterrupted_run(bool kill, bool evaluate)
    {
        // The session is held in round 4 (its round tasks' reports wait at their senders until the gate opens, which
        // leaves the session free to answer), so the stop surely finds it mid-way: fast rounds would otherwise finish first.
        var id = Guid.NewGuid().ToString();
        var gate = FlSessionCluster.HoldRound(id, 4);
        await using var fl = await FlSessionCluster.StartAsync(4, silo => silo.AddOutgoingGrainCallFilter(gate.InvokeAsync));

        // Where the session will live: activate its grain first, then name as participants the three other silos.
        var (grain, host, participants) = await fl.PlaceSession(id);
        Assert.Equal(3, participants.Count);
        var body = fl.IrisSession(rounds: 16, participants);
        if (evaluate) body["config"]!["evaluation_fraction"] = 0.2;

        var uninterrupted = await fl.CreateAsync((JsonObject)body.DeepClone());
        await fl.StartSessionAsync(uninterrupted);
        Assert.Equal(FlSessionStatus.Completed, (await fl.WaitFinished(uninterrupted)).Status);
        var expected = (await fl.Model(uninterrupted)).Sha256;
        var expectedScores = (await fl.Session(uninterrupted)).Rounds.Select(r => r.Metrics!.FederatedEvaluation).ToList();

        await FlSessionCluster.CreateAndStart(grain, body);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(FlSessionStatus.Active, (await grain.Get())!.Status);
        if (kill) await fl.KillSilo(host);
        else await fl.Cluster.Cluster.StopSiloAsync(fl.Cluster.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)));
        gate.Open();

        var resumed = await fl.WaitFinished(id);
        Assert.True(resumed.Status == FlSessionStatus.Completed, $"{resumed.Status}: {resumed.Error}");
        Assert.NotEqual(host, await fl.HostOf(grain));
        Assert.All(resumed.Rounds, round => Assert.Equal(3, round.Accepted));
        Assert.Equal(expected, (await fl.Model(id)).Sha256);
        Assert.Equal(expectedScores, resumed.Rounds.Select(r => r.Metrics!.FederatedEvaluation));
        if (evaluate)
        {
            Assert.All(expectedScores, score => Assert.NotNull(score));
            Assert.Equal(FlRoundStatus.Completed, resumed.FinalEvaluation!.Status);
        }
    }

    [Fact]
    public async Task A_session_whose_silo_stops_during_the_final_evaluation_resumes_it_and_completes()
    {
        await using var fl = await FlSessionCluster.StartAsync(4);
        var client = fl.Cluster.Client;
        var id = Guid.NewGuid().ToString();
        var (grain, host, participants) = await fl.PlaceSession(id);
        // One round, held open by an external participant until its update is posted, so that a participant's silo can
        // be killed first: the final evaluation then waits for that participant until the cluster declares it dead, and
        // the session's own silo is stopped in that time.
        var body = fl.IrisSession(rounds: 1, participants);
        body["config"]!["evaluation_fraction"] = 0.2;
        body["external_participants"] = new JsonArray("lab-ext");
        body["round_timeout_seconds"] = 300;
        await FlSessionCluster.CreateAndStart(grain, body);
        await Eventually.True(async () => (await grain.Get())!.Rounds is [var first, ..] && first.Updates.Count(u => u.Status == FlUpdateStatus.Accepted) == 3,
            TimeSpan.FromSeconds(60), "the runners' updates");

        var lost = participants[2]!.GetValue<string>();
        await fl.KillSilo(lost);
        var view = (await grain.Get())!;
        var external = view.Participants.Single(p => p.External);
        using (var model = JsonDocument.Parse((await grain.GetModel())!.ModelData))
        {
            var update = new JsonObject
            {
                ["session_id"] = id, ["round_id"] = view.Rounds[0].RoundId, ["runner_id"] = "lab-ext",
                ["weights"] = JsonNode.Parse(model.RootElement.GetProperty("weights").GetRawText()),
                ["data_size"] = external.Rows - external.HeldOutRows, ["loss"] = 0.5, ["training_time"] = 5,
                ["global_evaluation"] = new JsonObject { ["rows"] = external.HeldOutRows, ["loss"] = 1.1, ["accuracy"] = 0.3 },
            };
            Assert.True((await grain.SubmitUpdate("lab-ext", view.Rounds[0].RoundId, update.ToJsonString())).Ok);
        }
        await Eventually.True(async () => (await grain.Get())!.FinalEvaluation is { Status: FlRoundStatus.Collecting },
            TimeSpan.FromSeconds(10), "the final evaluation");
        await fl.Cluster.Cluster.StopSiloAsync(fl.Cluster.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)));

        var resumed = await fl.WaitFinished(id);
        Assert.True(resumed.Status == FlSessionStatus.Completed, $"{resumed.Status}: {resumed.Error}");
        Assert.NotEqual(host, await fl.HostOf(grain));
        var final = resumed.FinalEvaluation!;
        Assert.Equal(FlRoundStatus.Completed, final.Status);
        Assert.Equal(2, final.Accepted);
        var missing = final.Updates.Single(u => u.Runner == lost);
        Assert.Equal(FlUpdateStatus.Lost, missing.Status);
        Assert.Contains("silo died", missing.Reason);
        var evaluation = resumed.Rounds[0].Metrics!.FederatedEvaluation!;
        Assert.Equal(2, evaluation.Participants);
        Assert.Equal(resumed.Participants.Where(p => !p.External && p.Runner != lost).Sum(p => p.HeldOutRows!.Value), evaluation.Rows);
    }
}
