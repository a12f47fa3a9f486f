using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Json;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// Federated evaluation on a three-silo cluster (<c>config.evaluation_fraction</c>): each participant holds out rows it
/// never trains on, every round's global model is scored on them (by the next round's tasks, the last by
/// evaluation-only tasks), and the figures are in the session, its rounds and its event stream.
/// </summary>
public sealed class FlSessionEvaluationTests(SharedFlCluster fixture) : IClassFixture<SharedFlCluster>
{
    private FlSessionCluster Fl => fixture.Fl;
    private const string Sessions = "/api/v1/federated-learning/sessions";

    [Fact]
    public async Task Every_rounds_model_is_scored_on_the_participants_held_out_rows_the_last_one_too()
    {
        var body = Fl.IrisSession(rounds: 3);
        body["config"]!["evaluation_fraction"] = 0.2;
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");

        // Each participant holds out ⌈0.2 · rows⌉ of its part, and its updates claim only the rows it trained on.
        foreach (var participant in session.Participants)
            Assert.Equal((int)Math.Ceiling(0.2 * participant.Rows - 1e-9), participant.HeldOutRows);
        var heldOut = session.Participants.Sum(p => p.HeldOutRows!.Value);
        foreach (var round in session.Rounds)
        {
            Assert.Equal(3, round.Accepted);
            foreach (var update in round.Updates)
            {
                var participant = session.Participants.Single(p => p.PartIndex == update.PartIndex);
                Assert.Equal(participant.Rows - participant.HeldOutRows, update.DataSize);
                // Each update scored the model it received (the previous round's; round 1's the initial one).
                Assert.Equal(participant.HeldOutRows, update.GlobalEvaluation!.Rows);
            }
            var evaluation = round.Metrics!.FederatedEvaluation;
            Assert.NotNull(evaluation);
            Assert.Equal(heldOut, evaluation.Rows);
            Assert.Equal(3, evaluation.Participants);
            Assert.InRange(evaluation.Accuracy!.Value, 0, 1);
            Assert.True(double.IsFinite(evaluation.Loss) && evaluation.Loss >= 0, $"loss {evaluation.Loss}");
        }
        // Round 2's model is scored by round 3's updates: the round's figure is their rows-weighted mean.
        var scores = session.Rounds[2].Updates.Select(u => u.GlobalEvaluation!).ToList();
        Assert.Equal(scores.Sum(s => s.Accuracy!.Value * s.Rows) / heldOut,
            session.Rounds[1].Metrics!.FederatedEvaluation!.Accuracy!.Value, 9);
        // The trained model does well on rows it never saw.
        Assert.True(session.Rounds[^1].Metrics!.FederatedEvaluation!.Accuracy > 0.6,
            $"held-out accuracy {session.Rounds[^1].Metrics!.FederatedEvaluation!.Accuracy}");

        // The last round's model was scored by one evaluation-only task per participant.
        var final = session.FinalEvaluation!;
        Assert.Equal(FlRoundStatus.Completed, final.Status);
        Assert.Equal(3, final.Round);
        Assert.Equal(3, final.Accepted);
        Assert.All(final.Updates, u => Assert.Equal(RoundTasks.TaskId(id, 4, u.PartIndex), u.TaskId));
        Assert.Equal(final.Updates.Sum(u => u.GlobalEvaluation!.Accuracy!.Value * u.GlobalEvaluation.Rows) / heldOut,
            session.Rounds[2].Metrics!.FederatedEvaluation!.Accuracy!.Value, 9);

        // /rounds/{n} and the event stream say the same.
        var (status, roundBody) = await Fl.Send(HttpMethod.Get, $"{Sessions}/{id}/rounds/3");
        Assert.Equal(HttpStatusCode.OK, status);
        var shown = roundBody.GetProperty("metrics").GetProperty("federated_evaluation");
        Assert.Equal(heldOut, shown.GetProperty("rows").GetInt32());
        using var request = Fl.Gateway.Api(HttpMethod.Get, $"{Sessions}/{id}/events");
        using var response = await Fl.Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var events = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonSerializer.Deserialize<FlSessionEvent>(l[6..], ParityJson.Options)!).ToList();
        var evaluated = events.Where(e => e.Type == "round_evaluated").ToList();
        Assert.Equal([1, 2, 3], evaluated.Select(e => e.Round!.Value));
        Assert.All(evaluated, e => Assert.Equal(heldOut, e.Metrics!.FederatedEvaluation!.Rows));
        Assert.Equal(3, events.Count(e => e.Type == "evaluation_received"));
        Assert.Equal("session_completed", events[^1].Type);
    }

    [Fact]
    public async Task A_forest_session_scores_its_forest_on_the_held_out_rows()
    {
        var body = Fl.IrisSession(rounds: 1);
        body["model_type"] = "random_forest";
        body["config"] = new JsonObject
        {
            ["aggregation_method"] = "tree_union",
            ["model_config"] = new JsonObject { ["n_estimators"] = 10, ["max_depth"] = 6 },
            ["evaluation_fraction"] = 0.25,
        };
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        var heldOut = session.Participants.Sum(p => p.HeldOutRows!.Value);
        // A forest is trained in one round, whose tasks carry no model to score: the evaluation-only tasks score the
        // joined forest, which each participant receives whole.
        Assert.All(session.Rounds[0].Updates, u => Assert.Null(u.GlobalEvaluation));
        Assert.All(session.Rounds[0].Updates, u =>
            Assert.Equal(session.Participants.Single(p => p.PartIndex == u.PartIndex).Rows - (int)Math.Ceiling(0.25 * session.Participants.Single(p => p.PartIndex == u.PartIndex).Rows - 1e-9), u.DataSize));
        Assert.Equal(3, session.FinalEvaluation!.Accepted);
        var evaluation = session.Rounds[0].Metrics!.FederatedEvaluation!;
        Assert.Equal(heldOut, evaluation.Rows);
        Assert.True(evaluation.Accuracy > 0.8, $"held-out accuracy {evaluation.Accuracy}");
    }

    [Fact]
    public async Task A_linear_regression_is_scored_by_r2_and_mse()
    {
        var body = Fl.IrisSession(rounds: 2);
        body["model_type"] = "linear_regression";
        body["training_data"]!["dataset_cid"] = Fl.DiabetesCid;
        body["training_data"]!["split_strategy"] = "random";
        body["test_dataset_cid"] = Fl.DiabetesCid;
        body["config"] = new JsonObject
        {
            ["aggregation_method"] = "fedavg", ["learning_rate"] = 0.5, ["batch_size"] = 32, ["local_epochs"] = 40,
            ["model_config"] = new JsonObject { ["input_size"] = 10 }, ["evaluation_fraction"] = 0.1,
        };
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        foreach (var round in session.Rounds)
        {
            var evaluation = round.Metrics!.FederatedEvaluation!;
            Assert.Null(evaluation.Accuracy);
            Assert.True(evaluation.MeanSquaredError > 0, $"MSE {evaluation.MeanSquaredError}");
            Assert.True(evaluation.RSquared is > -1 and < 1, $"R² {evaluation.RSquared}");
        }
    }

    [Fact]
    public async Task An_external_participant_reports_its_score_of_the_model_it_received_and_is_refused_without_one()
    {
        var body = Fl.IrisSession(rounds: 2);
        body["config"]!["evaluation_fraction"] = 0.2;
        body["external_participants"] = new JsonArray("lab-ext");
        body["round_timeout_seconds"] = 120;
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var external = (await Fl.Session(id)).Participants.Single(p => p.External);
        var heldOut = external.HeldOutRows!.Value;

        for (var round = 1; round <= 2; round++)
        {
            var open = await Eventually.Get(async () =>
            {
                var view = await Fl.Session(id);
                return view.CurrentRound == round && view.Rounds[^1].Status == FlRoundStatus.Collecting ? view.Rounds[^1] : null;
            }, TimeSpan.FromSeconds(60), $"round {round} open");
            using var model = JsonDocument.Parse((await Fl.Model(id)).ModelData);
            var update = new JsonObject
            {
                ["session_id"] = id, ["round_id"] = open.RoundId, ["runner_id"] = "lab-ext",
                ["weights"] = JsonNode.Parse(model.RootElement.GetProperty("weights").GetRawText()),
                ["data_size"] = external.Rows - heldOut, ["loss"] = 0.5, ["training_time"] = 5,
            };
            // Round 1 without a score of the model it received: refused. Round 2 with one: counted.
            if (round == 2) update["global_evaluation"] = new JsonObject { ["rows"] = heldOut, ["loss"] = 0.4, ["accuracy"] = 0.75 };
            var (status, answer) = await Fl.Send(HttpMethod.Post, "/api/v1/federated-learning/model-updates", update);
            if (round == 1)
            {
                Assert.Equal(HttpStatusCode.BadRequest, status);
                Assert.Contains("no global_evaluation", answer.GetProperty("detail").GetString());
            }
            else Assert.True(status == HttpStatusCode.OK, $"round {round}: {(int)status} {answer}");
        }

        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        Assert.Equal(FlUpdateStatus.Rejected, session.Rounds[0].Updates.Single(u => u.Runner == "lab-ext").Status);
        // Round 1's model was scored by round 2's four accepted updates, the external participant's among them.
        var first = session.Rounds[0].Metrics!.FederatedEvaluation!;
        Assert.Equal(4, first.Participants);
        Assert.Equal(session.Participants.Sum(p => p.HeldOutRows!.Value), first.Rows);
        var runners = session.Rounds[1].Updates.Where(u => u.Runner != "lab-ext").Select(u => u.GlobalEvaluation!).ToList();
        Assert.Equal((runners.Sum(s => s.Accuracy!.Value * s.Rows) + 0.75 * heldOut) / first.Rows, first.Accuracy!.Value, 9);
        // The last round's model is scored by the runners only: the external participant gets no task.
        var last = session.Rounds[1].Metrics!.FederatedEvaluation!;
        Assert.Equal(3, last.Participants);
        Assert.Equal(session.Participants.Where(p => !p.External).Sum(p => p.HeldOutRows!.Value), last.Rows);
        Assert.DoesNotContain(session.FinalEvaluation!.Updates, u => u.Runner == "lab-ext");
    }

    [Fact]
    public async Task Without_an_evaluation_fraction_nothing_is_held_out_or_scored()
    {
        var id = await Fl.CreateAsync(Fl.IrisSession(rounds: 2));
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        Assert.All(session.Participants, p => Assert.Null(p.HeldOutRows));
        Assert.Equal(150, session.Rounds[0].Updates.Sum(u => u.DataSize!.Value));
        Assert.All(session.Rounds, r => Assert.Null(r.Metrics!.FederatedEvaluation));
        Assert.All(session.Rounds.SelectMany(r => r.Updates), u => Assert.Null(u.GlobalEvaluation));
        Assert.Null(session.FinalEvaluation);
    }

    [Theory]
    [InlineData("0", "config.evaluation_fraction must be in (0, 0.5], got 0")]
    [InlineData("0.6", "config.evaluation_fraction must be in (0, 0.5], got 0.6")]
    [InlineData("\"x\"", "config.evaluation_fraction must be a number")]
    public async Task A_bad_evaluation_fraction_is_a_400_naming_it_and_nothing_is_created(string raw, string expected)
    {
        var before = (await Fl.Send(HttpMethod.Get, Sessions)).Body.GetProperty("count").GetInt32();
        var body = Fl.IrisSession();
        body["config"]!["evaluation_fraction"] = JsonNode.Parse(raw);
        var (status, answer) = await Fl.Send(HttpMethod.Post, Sessions, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, answer.GetProperty("detail").GetString());
        Assert.Equal(before, (await Fl.Send(HttpMethod.Get, Sessions)).Body.GetProperty("count").GetInt32());
    }
}
