using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Learning.Forest;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// Histogram forests when silos die: a participant's (the forest starts over on the others' rows, and equals the
/// centralized forest on those rows) and the session's own (it resumes elsewhere and serves the very forest an
/// uninterrupted run gives). Each test has its own cluster, as it kills a silo of it, and holds the parts' first
/// histogram request (a <see cref="CallGate"/>) until the kill, so the forest is surely mid-way.
/// </summary>
public sealed class FlHistogramForestFailoverTests
{
    [Fact]
    public async Task A_lost_participant_makes_the_forest_start_over_on_the_others_rows()
    {
        var gate = HistogramGate();
        await using var fl = await FlSessionCluster.StartAsync(3, silo => silo.AddIncomingGrainCallFilter(gate.InvokeAsync));
        var body = await FlHistogramForestTests.DigitsForest(fl, trees: 20);
        body["quorum"] = 2;
        var id = await fl.CreateAsync(body);
        await fl.StartSessionAsync(id);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        var lost = (await fl.Session(id)).Participants.Single(p => p.PartIndex == 2).Runner;
        await fl.KillSilo(lost);
        gate.Open();

        var session = await fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        var round = Assert.Single(session.Rounds);
        Assert.Equal([0, 1], round.Aggregated!);
        Assert.Equal(FlUpdateStatus.Lost, round.Updates.Single(u => u.PartIndex == 2).Status);
        var events = await fl.Cluster.Client.GetGrain<IFlSessionGrain>(id).NextEvents(0, TimeSpan.Zero);
        Assert.Contains(events, e => e.Type == "forest_restarted" && e.Message.Contains("other 2 parts"));

        var data = FlHistogramForestTests.Digits();
        var (expected, _) = FlHistogramForestTests.Centralized(body, data, FlHistogramForestTests.TrainingRows(body, data, [0, 1]));
        Assert.Equal(ModelDigest.Of(ForestSerializer.Serialize(expected)), (await fl.Model(id)).Sha256);
    }

    [Fact]
    public async Task Below_the_quorum_a_lost_participant_fails_the_round_with_the_reason()
    {
        var gate = HistogramGate();
        await using var fl = await FlSessionCluster.StartAsync(3, silo => silo.AddIncomingGrainCallFilter(gate.InvokeAsync));
        var body = await FlHistogramForestTests.DigitsForest(fl, trees: 20);
        var id = await fl.CreateAsync(body);
        await fl.StartSessionAsync(id);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        var lost = (await fl.Session(id)).Participants.Single(p => p.PartIndex == 1).Runner;
        await fl.KillSilo(lost);
        gate.Open();

        var session = await fl.WaitFinished(id);
        Assert.Equal(FlSessionStatus.Failed, session.Status);
        Assert.Contains($"quorum unreachable: {lost} was lost, 2 parts left, quorum 3", session.Error);
        Assert.Equal(FlRoundStatus.Failed, session.Rounds[0].Status);
        var model = await fl.Send(HttpMethod.Get, $"/api/v1/federated-learning/sessions/{id}/model");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, model.Status);
    }

    [Fact]
    public async Task A_session_killed_mid_forest_resumes_elsewhere_and_serves_the_same_forest()
    {
        var gate = HistogramGate();
        await using var fl = await FlSessionCluster.StartAsync(4, silo => silo.AddIncomingGrainCallFilter(gate.InvokeAsync));
        var id = Guid.NewGuid().ToString();
        var (grain, host, participants) = await fl.PlaceSession(id);
        var body = await FlHistogramForestTests.DigitsForest(fl, trees: 20);
        body["participants"] = participants;

        await FlSessionCluster.CreateAndStart(grain, body);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        await fl.KillSilo(host);
        gate.Open();

        var session = await fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        var events = await grain.NextEvents(0, TimeSpan.Zero);
        Assert.Contains(events, e => e.Type == "session_resumed");
        Assert.Equal([0, 1, 2], session.Rounds[0].Aggregated!);
        var data = FlHistogramForestTests.Digits();
        var (expected, _) = FlHistogramForestTests.Centralized(body, data, FlHistogramForestTests.TrainingRows(body, data, [0, 1, 2]));
        Assert.Equal(ModelDigest.Of(ForestSerializer.Serialize(expected)), (await fl.Model(id)).Sha256);
    }

    private static CallGate HistogramGate() => new(call => call.InterfaceMethod?.Name == nameof(IFlPartGrain.Histograms));
}
