using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Json;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;
using Parity.Tests.Learning;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// Histogram forests across silos (<c>aggregation_method: histogram</c>): the session coordinates the parts' forest
/// grains level by level, and the model it serves is byte for byte the binned forest one machine trains on the parts'
/// rows (concatenated in part order) with the edges the session built from the parts' summaries and the same seed.
/// </summary>
public sealed class FlHistogramForestTests(SharedFlCluster fixture) : IClassFixture<SharedFlCluster>
{
    private FlSessionCluster Fl => fixture.Fl;

    [Fact]
    public async Task A_histogram_session_serves_the_forest_one_machine_trains_on_the_same_rows()
    {
        var body = await DigitsForest(Fl, trees: 10);
        body["config"]!["evaluation_fraction"] = 0.2;
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");

        var round = Assert.Single(session.Rounds);
        Assert.True(round.HistogramExchanges > 3, $"{round.HistogramExchanges} exchanges");
        Assert.Equal([0, 1, 2], round.Aggregated!);
        var data = Digits();
        var parts = TrainingRows(body, data, [0, 1, 2]);
        Assert.Equal(parts.Select(p => p.Length), round.Updates.OrderBy(u => u.PartIndex).Select(u => u.DataSize!.Value));
        Assert.All(round.Updates, u => Assert.Equal(FlUpdateStatus.Accepted, u.Status));

        var model = await Fl.Model(id);
        using var modelData = JsonDocument.Parse(model.ModelData);
        var (expected, edges) = Centralized(body, data, parts);
        Assert.Equal(ModelDigest.Of(ForestSerializer.Serialize(expected)), model.Sha256);
        // The model carries its bins, so anyone can repeat the centralized training it equals.
        var thresholds = modelData.RootElement.GetProperty("bin_thresholds").Deserialize<float[][]>()!;
        Assert.Equal(64, thresholds.Length);
        for (var f = 0; f < 64; f++) Assert.Equal(edges.Thresholds(f).ToArray(), thresholds[f]);

        var metrics = round.Metrics!;
        Assert.Equal(expected.OobScore, metrics.OobScore);
        Assert.Equal(expected.FeatureImportances, metrics.FeatureImportance);
        Assert.True(metrics.TestAccuracy > 0.85, $"test accuracy {metrics.TestAccuracy}");
        // Held-out rows never trained the forest, and score it in the final evaluation.
        Assert.Equal(FlRoundStatus.Completed, session.FinalEvaluation!.Status);
        Assert.True(metrics.FederatedEvaluation!.Accuracy > 0.7, $"held-out accuracy {metrics.FederatedEvaluation.Accuracy}");

        var events = await Events(id);
        Assert.Contains(events, e => e.Type == "forest_binned" && e.Message.Contains("64 features"));
        Assert.Equal(round.HistogramExchanges, events.Count(e => e.Type == "forest_level"));
    }

    [Fact]
    public async Task Histogram_sessions_refuse_participants_outside_the_cluster_and_updates_by_the_api()
    {
        var body = await DigitsForest(Fl, trees: 2);
        body["external_participants"] = new JsonArray("lab-ext");
        body["min_participants"] = 2;
        var (status, error) = await Fl.Send(HttpMethod.Post, "/api/v1/federated-learning/sessions", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("external_participants: a histogram forest exchanges histograms", error.ToString());

        var mlp = Fl.IrisSession(rounds: 1);
        mlp["config"]!["aggregation_method"] = "histogram";
        (status, error) = await Fl.Send(HttpMethod.Post, "/api/v1/federated-learning/sessions", mlp);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("histogram", error.ToString());
    }

    /// <summary>A histogram forest on digits over the shared cluster's three runners, with its dataset uploaded.</summary>
    internal static async Task<JsonObject> DigitsForest(FlSessionCluster fl, int trees)
    {
        var cid = await fl.Gateway.UploadAsync(await File.ReadAllBytesAsync(TestDatasets.PathOf("digits.csv")));
        return new JsonObject
        {
            ["name"] = "digits-histogram",
            ["model_type"] = "random_forest",
            ["total_rounds"] = 1,
            ["min_participants"] = 3,
            ["training_data"] = new JsonObject
            {
                ["dataset_cid"] = cid, ["data_format"] = "csv", ["split_strategy"] = "non_iid",
                ["metadata"] = new JsonObject { ["alpha"] = 0.5, ["min_samples"] = 50 },
            },
            ["config"] = new JsonObject
            {
                ["aggregation_method"] = "histogram",
                ["model_config"] = new JsonObject { ["n_estimators"] = trees, ["max_depth"] = 12, ["oob_score"] = true },
            },
            ["test_dataset_cid"] = cid,
            ["seed"] = 42,
        };
    }

    internal static Dataset Digits() => DatasetReader.Read(File.ReadAllBytes(TestDatasets.PathOf("digits.csv")), DatasetFormat.Csv);

    /// <summary>Each part's training rows as dataset row numbers: its partition, less its held-out rows.</summary>
    internal static int[][] TrainingRows(JsonObject body, Dataset data, int[] parts)
    {
        var spec = Spec(body);
        return parts.Select(index =>
        {
            var selected = Partitioner.Select(data.Labels.Span, SessionPlanning.Partition(spec, 3, index));
            if (spec.EvaluationFraction is not { } fraction) return selected;
            var labels = data.Subset(selected).Labels.Span;
            return HeldOutSplit.Select(labels, fraction, spec.Seed, index, stratified: true).Train.Select(r => selected[r]).ToArray();
        }).ToArray();
    }

    /// <summary>What one machine trains on the parts' rows, one after the other, with edges from the parts' summaries.</summary>
    internal static (RandomForest Forest, BinEdges Edges) Centralized(JsonObject body, Dataset data, int[][] parts)
    {
        var spec = Spec(body);
        using var config = JsonDocument.Parse(spec.Config);
        var options = ForestOptionsJson.FromJson(config.RootElement.GetProperty("model_config"), spec.Seed);
        var edges = BinEdges.FromSummaries(parts.Select(rows => ValueSummary.Of(data.Subset(rows))).ToArray(), options.MaxBins);
        var classes = parts.SelectMany(rows => rows.Select(data.Label)).Distinct().Order().ToArray();
        var all = data.Subset(parts.SelectMany(rows => rows).ToArray());
        return (new ForestTrainer(options).Fit(all, edges, classes), edges);
    }

    private static FlSessionSpec Spec(JsonObject body)
    {
        using var document = JsonDocument.Parse(body.ToJsonString());
        return FlSessionRequest.Parse(document.RootElement, () => 1);
    }

    private async Task<IReadOnlyList<FlSessionEvent>> Events(string id) =>
        await Fl.Cluster.Client.GetGrain<IFlSessionGrain>(id).NextEvents(0, TimeSpan.Zero);
}
