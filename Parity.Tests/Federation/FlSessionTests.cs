using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Json;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>A three-silo cluster shared by the session tests that stop no silo.</summary>
public sealed class SharedFlCluster : IAsyncLifetime
{
    public FlSessionCluster Fl { get; private set; } = null!;
    public async Task InitializeAsync() => Fl = await FlSessionCluster.StartAsync(3);
    public async Task DisposeAsync() => await Fl.DisposeAsync();
}

/// <summary>
/// Federated sessions through the gateway's API on a three-silo cluster: rounds driven end to end, the model served
/// with its digest, the event stream, cancellation, and bad input refused with the field named and nothing created.
/// </summary>
public sealed class FlSessionTests(SharedFlCluster fixture) : IClassFixture<SharedFlCluster>
{
    private FlSessionCluster Fl => fixture.Fl;
    private const string Sessions = "/api/v1/federated-learning/sessions";

    [Fact]
    public async Task A_session_trains_round_by_round_on_its_participants_and_serves_the_global_model()
    {
        var id = await Fl.CreateAsync(Fl.IrisSession(rounds: 3));
        var created = await Fl.Session(id);
        Assert.Equal(FlSessionStatus.Pending, created.Status);
        Assert.Equal(42, created.Seed);

        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);

        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        Assert.Equal(3, session.Participants.Count);
        Assert.Equal([0, 1, 2], session.Participants.Select(p => p.PartIndex));
        Assert.Equal(3, session.Participants.Select(p => p.Runner).Distinct().Count());
        Assert.Equal(150, session.Participants.Sum(p => p.Rows));
        Assert.Equal(3, session.Rounds.Count);
        foreach (var round in session.Rounds)
        {
            Assert.Equal(FlRoundStatus.Completed, round.Status);
            Assert.Equal(3, round.Accepted);
            Assert.Equal([0, 1, 2], round.Aggregated!);
            Assert.Equal("every participant answered", round.CloseReason);
            foreach (var update in round.Updates)
            {
                Assert.Equal(FlUpdateStatus.Accepted, update.Status);
                // Each part is trained by its own participant: the round task ran on that runner and no other.
                var grain = Fl.Cluster.TaskGrain(update.TaskId!);
                var task = await grain.Get();
                Assert.Equal(update.Runner, task!.Runner);
                // ...and its task grain lives on that runner's silo, so it shares its participant's fate.
                var statistics = await Fl.Cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
                Assert.Equal(Fl.Cluster.Cluster.Silos.Single(s => s.Name == update.Runner).SiloAddress,
                    statistics.Single(g => g.GrainId == grain.GetGrainId()).SiloAddress);
                Assert.Equal(session.Participants.Single(p => p.PartIndex == update.PartIndex).Rows, update.DataSize);
            }
        }
        // Training from the global model each round: the federated model learns iris well, and the test score is real.
        var last = session.Rounds[^1].Metrics!;
        Assert.Equal(150, last.TestRows);
        Assert.True(last.TestAccuracy > 0.85, $"test accuracy {last.TestAccuracy}");
        Assert.True(session.Rounds[^1].Metrics!.TrainLoss < session.Rounds[0].Metrics!.TrainLoss,
            $"train loss {session.Rounds[0].Metrics!.TrainLoss} → {session.Rounds[^1].Metrics!.TrainLoss}");

        var model = await Fl.Model(id);
        Assert.Equal(3, model.Round);
        using var data = JsonDocument.Parse(model.ModelData);
        var weights = data.RootElement.GetProperty("weights").Deserialize<Dictionary<string, float[]>>()!;
        Assert.Contains("output_bias", weights.Keys);
        Assert.Equal(3, weights["output_bias"].Length);
        Assert.Equal(ModelDigest.Of(weights), model.Sha256);
    }

    [Theory]
    [InlineData("random", null)]
    [InlineData("iid", null)]
    [InlineData("sequential", null)]
    [InlineData("non_iid", 0.5)]
    [InlineData("dirichlet", 1.0)]
    [InlineData("label_skew", null)]
    public async Task A_network_trains_over_every_partition_strategy(string strategy, double? alpha)
    {
        var body = Fl.IrisSession(rounds: 2);
        body["training_data"]!["split_strategy"] = strategy;
        if (alpha is { } a) body["training_data"]!["metadata"]!["alpha"] = a;
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{strategy}: {session.Status} {session.Error}");
        Assert.All(session.Rounds, r => Assert.Equal(3, r.Accepted));
        // Every row is in some part, and each part holds at least min_samples.
        Assert.True(session.Participants.Sum(p => p.Rows) >= 150, $"{strategy}: {session.Participants.Sum(p => p.Rows)} rows in all");
        Assert.All(session.Participants, p => Assert.True(p.Rows >= 10, $"{strategy}: part {p.PartIndex} has {p.Rows} rows"));
    }

    [Fact]
    public async Task Linear_regression_aggregates_like_the_network_and_is_scored_on_the_test_set()
    {
        var body = Fl.IrisSession(rounds: 4);
        body["model_type"] = "linear_regression";
        body["training_data"]!["dataset_cid"] = Fl.DiabetesCid;
        body["training_data"]!["split_strategy"] = "random";
        body["test_dataset_cid"] = Fl.DiabetesCid;
        body["config"] = new JsonObject
        {
            ["aggregation_method"] = "fedavgm", ["server_learning_rate"] = 1.0, ["server_momentum"] = 0.5,
            ["learning_rate"] = 0.5, ["batch_size"] = 32, ["local_epochs"] = 40,
            ["model_config"] = new JsonObject { ["input_size"] = 10 },
        };
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status} {session.Error}");
        var first = session.Rounds[0].Metrics!;
        var last = session.Rounds[^1].Metrics!;
        Assert.Null(last.TestAccuracy);
        Assert.True(last.TestRSquared > first.TestRSquared, $"R² {first.TestRSquared} → {last.TestRSquared}");
        Assert.True(last.TestMeanSquaredError < first.TestMeanSquaredError, $"MSE {first.TestMeanSquaredError} → {last.TestMeanSquaredError}");
        using var model = JsonDocument.Parse((await Fl.Model(id)).ModelData);
        Assert.Equal(11, model.RootElement.GetProperty("weights").GetProperty("linear_weights").GetArrayLength());
    }

    [Fact]
    public async Task A_forest_session_joins_every_participants_trees_and_reports_oob_and_importances()
    {
        var body = Fl.IrisSession(rounds: 1);
        body["model_type"] = "random_forest";
        body["config"] = new JsonObject
        {
            ["aggregation_method"] = "tree_union",
            ["model_config"] = new JsonObject { ["n_estimators"] = 10, ["max_depth"] = 6, ["oob_score"] = true },
        };
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status} {session.Error}");
        var metrics = session.Rounds[0].Metrics!;
        Assert.True(metrics.TestAccuracy > 0.9, $"test accuracy {metrics.TestAccuracy}");
        Assert.InRange(metrics.OobScore!.Value, 0.5, 1.0);
        Assert.Equal(4, metrics.FeatureImportance!.Count);
        Assert.Equal(1.0, metrics.FeatureImportance.Sum(), 6);

        var model = await Fl.Model(id);
        using var data = JsonDocument.Parse(model.ModelData);
        var forest = Parity.Learning.Forest.ForestSerializer.Deserialize(Convert.FromBase64String(data.RootElement.GetProperty("forest").GetString()!));
        Assert.Equal(30, forest.Trees.Count);
        Assert.Equal(ModelDigest.Of(Convert.FromBase64String(data.RootElement.GetProperty("forest").GetString()!)), model.Sha256);
    }

    [Fact]
    public async Task Two_runs_of_the_same_session_produce_the_same_model_bytes()
    {
        var first = await Fl.CreateAsync(Fl.IrisSession(rounds: 2));
        var second = await Fl.CreateAsync(Fl.IrisSession(rounds: 2));
        await Fl.StartSessionAsync(first);
        await Fl.StartSessionAsync(second);
        Assert.Equal(FlSessionStatus.Completed, (await Fl.WaitFinished(first)).Status);
        Assert.Equal(FlSessionStatus.Completed, (await Fl.WaitFinished(second)).Status);
        Assert.Equal((await Fl.Model(first)).Sha256, (await Fl.Model(second)).Sha256);

        var otherSeed = Fl.IrisSession(rounds: 2);
        otherSeed["seed"] = 43;
        var third = await Fl.CreateAsync(otherSeed);
        await Fl.StartSessionAsync(third);
        Assert.Equal(FlSessionStatus.Completed, (await Fl.WaitFinished(third)).Status);
        Assert.NotEqual((await Fl.Model(first)).Sha256, (await Fl.Model(third)).Sha256);
    }

    [Fact]
    public async Task The_event_stream_tells_the_session_round_by_round_and_ends_when_it_finishes()
    {
        var id = await Fl.CreateAsync(Fl.IrisSession(rounds: 2));
        await Fl.StartSessionAsync(id);
        using var request = Fl.Gateway.Api(HttpMethod.Get, $"{Sessions}/{id}/events");
        using var response = await Fl.Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        // The stream ends by itself once the session has finished and every event was sent.
        var text = await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var events = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonSerializer.Deserialize<FlSessionEvent>(l[6..], ParityJson.Options)!).ToList();
        var types = events.Select(e => e.Type).ToList();
        Assert.Equal("session_created", types[0]);
        Assert.Equal("session_started", types[1]);
        Assert.Equal("session_completed", types[^1]);
        Assert.Equal(2, types.Count(t => t == "round_started"));
        Assert.Equal(2, types.Count(t => t == "round_aggregated"));
        Assert.Equal(6, types.Count(t => t == "update_received"));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.NotNull(events.Last(e => e.Type == "round_aggregated").Metrics!.TestAccuracy);

        // Resuming after the last event seen gives only what followed it.
        using var resume = Fl.Gateway.Api(HttpMethod.Get, $"{Sessions}/{id}/events?after={events.Count - 2}");
        using var rest = await Fl.Gateway.Http.SendAsync(resume);
        var tail = (await rest.Content.ReadAsStringAsync()).Split('\n').Count(l => l.StartsWith("data: ", StringComparison.Ordinal));
        Assert.Equal(2, tail);
    }

    [Fact]
    public async Task A_bad_resume_point_for_the_event_stream_is_a_400_naming_it()
    {
        var id = await Fl.CreateAsync(Fl.IrisSession());
        var (status, body) = await Fl.Send(HttpMethod.Get, $"{Sessions}/{id}/events?after=abc");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("after (or Last-Event-ID)", body.GetProperty("detail").GetString());
        using var request = Fl.Gateway.Api(HttpMethod.Get, $"{Sessions}/{id}/events");
        request.Headers.Add("Last-Event-ID", "-1");
        using var response = await Fl.Gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Fl.Send(HttpMethod.Get, $"{Sessions}/nope/events")).Status);
    }

    [Fact]
    public async Task An_external_participant_named_like_a_runner_of_the_cluster_is_refused()
    {
        // Were it allowed, its updates could come through the model-update route in a real runner's name.
        var body = Fl.IrisSession();
        body["external_participants"] = new JsonArray(Fl.Cluster.Cluster.Silos[0].Name);
        var (status, answer) = await Fl.Send(HttpMethod.Post, Sessions, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("is a runner of this cluster", answer.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Participants_prepare_their_parts_before_round_1_opens()
    {
        var id = await Fl.CreateAsync(Fl.IrisSession(rounds: 1));
        await Fl.StartSessionAsync(id);
        Assert.Equal(FlSessionStatus.Completed, (await Fl.WaitFinished(id)).Status);
        var events = (await Fl.Cluster.Client.GetGrain<IFlSessionGrain>(id).NextEvents(0, TimeSpan.Zero)).Select(e => e.Type).ToList();
        var prepared = events.IndexOf("participants_prepared");
        Assert.True(prepared > events.IndexOf("session_started") && prepared < events.IndexOf("round_started"), string.Join(", ", events));
        var message = (await Fl.Cluster.Client.GetGrain<IFlSessionGrain>(id).NextEvents(0, TimeSpan.Zero))[prepared].Message;
        // Each runner names its part's rows (the three parts of iris add up to 150).
        Assert.Equal(150, System.Text.RegularExpressions.Regex.Matches(message, @"\((\d+) rows").Sum(m => int.Parse(m.Groups[1].Value)));
    }

    [Fact]
    public async Task Each_runner_rehearses_a_round_task_before_round_1_and_nothing_it_learnt_comes_back()
    {
        var id = await Fl.CreateAsync(Fl.IrisSession(rounds: 1));
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.Equal(FlSessionStatus.Completed, session.Status);
        var events = (await Fl.Cluster.Client.GetGrain<IFlSessionGrain>(id).NextEvents(0, TimeSpan.Zero)).ToList();
        var types = events.Select(e => e.Type).ToList();
        var rehearsed = types.IndexOf("participants_rehearsed");
        Assert.True(rehearsed > types.IndexOf("participants_prepared") && rehearsed < types.IndexOf("round_started"), string.Join(", ", types));
        Assert.StartsWith("3 of 3 runners ran a round task", events[rehearsed].Message);
        Assert.DoesNotContain("participant_unprepared", types);

        // The round-1 task of each part carried the global model the rehearsal carried too.
        foreach (var participant in session.Participants)
        {
            var rehearsal = Fl.Cluster.Client.GetGrain<ITaskGrain>(RoundTasks.TaskId(id, 0, participant.PartIndex));
            var task = await rehearsal.Get();
            Assert.NotNull(task);
            Assert.Equal(TaskState.Completed, task.Status);
            Assert.Equal(participant.Runner, task.Runner);
            var config = FederatedTaskConfig.Parse(task.Config);
            Assert.True(config.Rehearsal);
            var sent = Parity.Learning.Models.GlobalModelJson.ReadWeights(config.GlobalModel!.Value)!;
            var firstRound = FederatedTaskConfig.Parse((await Fl.Cluster.Client.GetGrain<ITaskGrain>(RoundTasks.TaskId(id, 1, participant.PartIndex)).Get())!.Config);
            var roundOneGlobal = Parity.Learning.Models.GlobalModelJson.ReadWeights(firstRound.GlobalModel!.Value)!;
            Assert.Equal(roundOneGlobal.Keys.Order(), sent.Keys.Order());
            foreach (var (key, values) in roundOneGlobal) Assert.Equal(values, sent[key]);

            // Its answer: the weights it received, bit for bit, no metrics, and the few rows it trained on.
            var answer = System.Text.Json.JsonSerializer.Deserialize<FederatedUpdate>((await rehearsal.GetResult())!.Stdout!, Parity.Json.ParityJson.Options)!;
            Assert.Equal(sent.Keys.Order(), answer.Weights.Keys.Order());
            foreach (var (key, values) in sent) Assert.Equal(values, answer.Weights[key]);
            Assert.Empty(answer.Gradients);
            Assert.Equal(0, answer.Loss);
            Assert.Null(answer.Accuracy);
            Assert.Equal(Math.Min(participant.Rows, FederatedTaskConfig.RehearsalRows), answer.DataSize);
        }
    }

    [Fact]
    public async Task A_cancelled_session_stops_its_round_and_cannot_be_started_again()
    {
        var id = await Fl.CreateAsync(Fl.IrisSession(rounds: 500));
        await Fl.StartSessionAsync(id);
        // Round 1 opens once the participants have prepared their parts.
        await Eventually.True(async () => (await Fl.Session(id)).Rounds.Count > 0, TimeSpan.FromSeconds(30), "round 1");
        var (status, body) = await Fl.Send(HttpMethod.Post, $"{Sessions}/{id}/cancel");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var session = await Fl.Session(id);
        Assert.Equal(FlSessionStatus.Cancelled, session.Status);
        Assert.Equal(FlRoundStatus.Failed, session.Rounds[^1].Status);
        Assert.StartsWith("cancelled", session.Rounds[^1].CloseReason);
        // The open round's tasks are cancelled (or had just finished); none is left running.
        foreach (var update in session.Rounds[^1].Updates)
        {
            var task = await Fl.Cluster.WaitFinished(update.TaskId!, TimeSpan.FromSeconds(30));
            Assert.True(task.Status.IsTerminal());
        }
        Assert.Equal(HttpStatusCode.Conflict, (await Fl.Send(HttpMethod.Post, $"{Sessions}/{id}/start")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await Fl.Send(HttpMethod.Post, $"{Sessions}/{id}/cancel")).Status);
    }

    public static TheoryData<string, string> BadSessions => new()
    {
        { """{"config":{"learning_rate":null}}""", "config.learning_rate is required" },
        { """{"config":{"aggregation_method":"fedmagic"}}""", "fedavg" },
        { """{"model_type":"svm"}""", "expected neural_network, linear_regression or random_forest" },
        { """{"training_data":{"metadata":{"min_samples":100}}}""", "training_data" },
        { """{"min_participants":10,"participants":null}""", "min_participants is 10" },
        { """{"participants":["no-such-runner","a","b"]}""", "participants[0]" },
        { """{"training_data":{"dataset_cid":"not-a-cid"}}""", "training_data.dataset_cid" },
        { """{"config":{"aggregation_method":"fedadam"}}""", "config.server_learning_rate" },
        { """{"config":{"privacy_config":{"differential_privacy":true,"noise_multiplier":1}}}""", "config.privacy_config.l2_norm_clip is required" },
    };

    [Theory]
    [MemberData(nameof(BadSessions))]
    public async Task A_bad_session_is_refused_naming_what_is_wrong_and_nothing_is_created(string patch, string expected)
    {
        var before = (await Fl.Send(HttpMethod.Get, Sessions)).Body.GetProperty("count").GetInt32();
        var session = Fl.IrisSession();
        Merge(session, JsonNode.Parse(patch)!.AsObject());
        var (status, body) = await Fl.Send(HttpMethod.Post, Sessions, session);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.GetProperty("detail").GetString());
        Assert.Equal(before, (await Fl.Send(HttpMethod.Get, Sessions)).Body.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Participants_chosen_by_a_selector_are_the_matching_runners_and_a_selector_nobody_matches_is_refused()
    {
        var body = Fl.IrisSession(rounds: 1);
        body["min_participants"] = 2;
        body["participants"] = new JsonObject { ["compute"] = "cpu-simd", ["count"] = 2 };
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.Equal(FlSessionStatus.Completed, session.Status);
        // The first two runners by name of the three (all on the CPU path here).
        var names = Fl.Cluster.Cluster.Silos.Select(s => s.Name).Order(StringComparer.Ordinal).Take(2);
        Assert.Equal(names, session.Participants.Select(p => p.Runner));

        body["participants"] = new JsonObject { ["compute"] = "cuda" };
        var (status, answer) = await Fl.Send(HttpMethod.Post, Sessions, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("runners with compute cuda", answer.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_dataset_cid_that_no_gateway_has_is_refused_at_creation()
    {
        // A well-formed CID of content that was never uploaded.
        var missing = (await Parity.Storage.UnixFsImporter.ImportAsync(new MemoryStream(Guid.NewGuid().ToByteArray()),
            Parity.Storage.ImportProfile.Legacy, Parity.Storage.DiscardingBlockSink.Instance)).Root;
        var session = Fl.IrisSession();
        session["training_data"]!["dataset_cid"] = missing.ToString();
        var (status, body) = await Fl.Send(HttpMethod.Post, Sessions, session);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("training_data.dataset_cid", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_sessions_and_rounds_are_404s_and_an_update_for_a_closed_round_is_refused()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Fl.Send(HttpMethod.Get, $"{Sessions}/nope")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Fl.Send(HttpMethod.Post, $"{Sessions}/nope/start")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Fl.Send(HttpMethod.Get, $"{Sessions}/nope/model")).Status);

        var id = await Fl.CreateAsync(Fl.IrisSession(rounds: 1));
        Assert.Equal(HttpStatusCode.NotFound, (await Fl.Send(HttpMethod.Get, $"{Sessions}/{id}/model")).Status);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.Equal(HttpStatusCode.NotFound, (await Fl.Send(HttpMethod.Get, $"{Sessions}/{id}/rounds/2")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Fl.Send(HttpMethod.Get, $"{Sessions}/{id}/rounds/x")).Status);
        var (roundStatus, round) = await Fl.Send(HttpMethod.Get, $"{Sessions}/{id}/rounds/1");
        Assert.Equal(HttpStatusCode.OK, roundStatus);
        Assert.Equal(3, round.GetProperty("accepted").GetInt32());

        // A participant (or anyone posing as one) sending an update after the round closed: refused, not counted.
        var participant = session.Participants[0].Runner;
        var late = new JsonObject
        {
            ["session_id"] = id, ["round_id"] = session.Rounds[0].RoundId, ["runner_id"] = participant,
            ["weights"] = new JsonObject(), ["data_size"] = 50, ["loss"] = 0.1,
        };
        var (lateStatus, lateBody) = await Fl.Send(HttpMethod.Post, "/api/v1/federated-learning/model-updates", late);
        Assert.Equal(HttpStatusCode.Conflict, lateStatus);
        Assert.Contains("closed", lateBody.GetProperty("detail").GetString());
        late["runner_id"] = "not-a-participant";
        late["round_id"] = "elsewhere";
        Assert.Equal(HttpStatusCode.NotFound, (await Fl.Send(HttpMethod.Post, "/api/v1/federated-learning/model-updates", late)).Status);
        late.Remove("runner_id");
        Assert.Equal(HttpStatusCode.BadRequest, (await Fl.Send(HttpMethod.Post, "/api/v1/federated-learning/model-updates", late)).Status);
        Assert.Equal(session.Rounds[0].Updates, (await Fl.Session(id)).Rounds[0].Updates);
    }

    [Theory]
    [InlineData("fedmedian", true)]
    [InlineData("federated_averaging", false)]
    public async Task A_poisoned_external_participant_is_resisted_by_the_median_and_derails_plain_averaging(string method, bool robust)
    {
        var body = Fl.IrisSession(rounds: 4);
        body["config"]!["aggregation_method"] = method;
        body["external_participants"] = new JsonArray("lab-poison");
        body["round_timeout_seconds"] = 120;
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var rows = (await Fl.Session(id)).Participants.Single(p => p.External).Rows;

        for (var round = 1; round <= 4; round++)
        {
            var open = await Eventually.Get(async () =>
            {
                var view = await Fl.Session(id);
                return view.CurrentRound == round && view.Rounds[^1].Status == FlRoundStatus.Collecting ? view.Rounds[^1] : null;
            }, TimeSpan.FromSeconds(60), $"round {round} open");
            using var model = JsonDocument.Parse((await Fl.Model(id)).ModelData);
            var global = model.RootElement.GetProperty("weights").Deserialize<Dictionary<string, float[]>>()!;
            // Round 1: a value no float holds (it would be +∞); later rounds: every weight pushed 1000 away.
            var poisoned = new JsonObject();
            foreach (var (key, values) in global)
                poisoned[key] = round == 1
                    ? JsonNode.Parse("[" + string.Join(",", values.Select(_ => "1e39")) + "]")
                    : new JsonArray(values.Select(v => (JsonNode)(v + 1000f)).ToArray());
            var update = new JsonObject
            {
                ["session_id"] = id, ["round_id"] = open.RoundId, ["runner_id"] = "lab-poison",
                ["weights"] = poisoned, ["data_size"] = rows, ["loss"] = 0.01, ["training_time"] = 5,
            };
            var (status, answer) = await Fl.Send(HttpMethod.Post, "/api/v1/federated-learning/model-updates", update);
            if (round == 1)
            {
                Assert.Equal(HttpStatusCode.BadRequest, status);
                Assert.Contains("not a finite number", answer.GetProperty("detail").GetString());
            }
            else Assert.True(status == HttpStatusCode.OK, $"round {round}: {(int)status} {answer}");
        }

        var session = await Fl.WaitFinished(id);
        Assert.Equal(FlSessionStatus.Completed, session.Status);
        Assert.Equal(FlUpdateStatus.Rejected, session.Rounds[0].Updates.Single(u => u.Runner == "lab-poison").Status);
        Assert.All(session.Rounds.Skip(1), r => Assert.Equal(FlUpdateStatus.Accepted, r.Updates.Single(u => u.Runner == "lab-poison").Status));
        var accuracy = session.Rounds[^1].Metrics!.TestAccuracy!.Value;
        if (robust) Assert.True(accuracy > 0.85, $"{method}: test accuracy {accuracy} with a poisoned participant");
        else Assert.True(accuracy < 0.6, $"{method}: test accuracy {accuracy}; the poison should have derailed plain averaging");
    }

    [Fact]
    public async Task Nobody_may_submit_an_update_in_the_name_of_a_runner_that_trains_in_the_cluster()
    {
        var body = Fl.IrisSession(rounds: 1);
        body["external_participants"] = new JsonArray("lab-slow");
        body["round_timeout_seconds"] = 120;
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        // Round 1 opens once the participants have prepared their parts.
        await Eventually.True(async () => (await Fl.Session(id)).Rounds.Count > 0, TimeSpan.FromSeconds(30), "round 1");
        var session = await Fl.Session(id);
        var runner = session.Participants.First(p => !p.External).Runner;
        var update = new JsonObject
        {
            ["session_id"] = id, ["round_id"] = session.Rounds[0].RoundId, ["runner_id"] = runner,
            ["weights"] = new JsonObject(), ["data_size"] = 1, ["loss"] = 0.1,
        };
        var (status, answer) = await Fl.Send(HttpMethod.Post, "/api/v1/federated-learning/model-updates", update);
        // The round waits for lab-slow, so it is still open: the refusal is about whose update this is, not lateness.
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("its updates come from its round tasks", answer.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Fl.Send(HttpMethod.Post, $"{Sessions}/{id}/cancel")).Status);
    }

    [Fact]
    public async Task The_fl_command_creates_starts_watches_and_fetches_a_session_as_the_api_does()
    {
        var directory = Directory.CreateTempSubdirectory("parity-fl-cli-").FullName;
        try
        {
            var environment = new Dictionary<string, string> { ["GATEWAY_API_KEY"] = GatewayHost.ApiKey };
            var gateway = Fl.Gateway.Http.BaseAddress!.ToString();
            var file = Path.Combine(directory, "session.json");
            await File.WriteAllTextAsync(file, Fl.IrisSession(rounds: 2).ToJsonString());

            var (code, stdout, stderr) = ParityCli.Run(environment, "fl", "create", "--file", file, "--gateway", gateway);
            Assert.True(code == 0, $"fl create: {code} {stderr}");
            var id = stdout.Trim();
            Assert.Equal(FlSessionStatus.Pending, (await Fl.Session(id)).Status);

            (code, stdout, stderr) = ParityCli.Run(environment, "fl", "start", id, "--gateway", gateway);
            Assert.True(code == 0, $"fl start: {code} {stderr}");
            Assert.Contains("Session started successfully", stdout);

            // --watch follows the event stream to the end, then prints the rounds.
            (code, stdout, stderr) = ParityCli.Run(environment, "fl", "status", id, "--watch", "--gateway", gateway);
            Assert.True(code == 0, $"fl status: {code} {stderr}");
            Assert.Contains("session completed after 2 rounds", stdout);
            Assert.Contains("every participant answered", stdout);
            Assert.Equal(FlSessionStatus.Completed, (await Fl.Session(id)).Status);

            var output = Path.Combine(directory, "model.json");
            (code, _, stderr) = ParityCli.Run(environment, "fl", "model", id, "-o", output, "--gateway", gateway);
            Assert.True(code == 0, $"fl model: {code} {stderr}");
            using var model = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            Assert.Equal((await Fl.Model(id)).Sha256, model.RootElement.GetProperty("sha256").GetString());
            Assert.Contains(model.RootElement.GetProperty("sha256").GetString()!, stderr);

            (code, stdout, _) = ParityCli.Run(environment, "fl", "list", "--gateway", gateway);
            Assert.Equal(0, code);
            Assert.Contains(id, stdout);

            // Errors are the API's, and the exit code says so.
            (code, _, stderr) = ParityCli.Run(environment, "fl", "start", id, "--gateway", gateway);
            Assert.Equal(1, code);
            Assert.Contains("409", stderr);
            Assert.Contains("not pending", stderr);
            await File.WriteAllTextAsync(file, """{"name":"x"}""");
            (code, _, stderr) = ParityCli.Run(environment, "fl", "create", "--file", file, "--gateway", gateway);
            Assert.Equal(1, code);
            Assert.Contains("model_type is required", stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_client_cannot_plant_a_task_under_a_round_tasks_name()
    {
        // Were it allowed, a session opening that round would find the planted task and take its result.
        var planted = new JsonObject
        {
            ["id"] = RoundTasks.TaskId(Guid.NewGuid().ToString(), 1, 0), ["title"] = "planted", ["type"] = "command",
            ["config"] = new JsonObject { ["command"] = "echo hi" },
        };
        var (status, body) = await Fl.Send(HttpMethod.Post, "/api/v1/tasks", planted);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("task.id must not start with 'fl-'", body.GetProperty("detail").GetString());
        Assert.Null(await Fl.Cluster.TaskGrain(planted["id"]!.GetValue<string>()).Get());
    }

    [Fact]
    public async Task Sessions_are_listed_newest_first_and_by_creator()
    {
        var mine = Fl.IrisSession();
        mine["creator_address"] = "0xAbC0000000000000000000000000000000000001";
        var id = await Fl.CreateAsync(mine);
        await Eventually.True(async () =>
        {
            var (_, body) = await Fl.Send(HttpMethod.Get, $"{Sessions}?creator=0xabc0000000000000000000000000000000000001");
            return body.GetProperty("count").GetInt32() == 1 && body.GetProperty("sessions")[0].GetProperty("id").GetString() == id;
        }, TimeSpan.FromSeconds(10), "the session listed under its creator");
        var (_, all) = await Fl.Send(HttpMethod.Get, Sessions);
        var created = all.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("created_at").GetDateTimeOffset()).ToList();
        Assert.Equal(created.OrderByDescending(c => c), created);
    }

    /// <summary>Copies <paramref name="patch"/> into <paramref name="target"/>, object by object.</summary>
    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is JsonObject inner && target[key] is JsonObject existing) Merge(existing, inner);
            else target[key] = value?.DeepClone();
        }
    }
}
