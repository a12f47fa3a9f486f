using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Federation.Privacy;
using Parity.Learning.Data;
using Parity.Tasks;
using Parity.Tests.Learning;

namespace Parity.Tests.Federation;

/// <summary>
/// Client-mode differential privacy on the runner: a round task's <c>privacy</c> is validated, and the update that
/// leaves the runner is the clipped, noised delta from the global model, with its clip indicator when asked.
/// </summary>
public sealed class FederatedTrainerPrivacyTests
{
    private static Dataset Iris => DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv"));

    private static JsonObject Config(JsonNode? globalModel, JsonObject? privacy) => new()
    {
        ["session_id"] = "session-1",
        ["round_id"] = "round-2",
        ["model_type"] = "neural_network",
        ["dataset_cid"] = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
        ["data_format"] = "csv",
        ["model_config"] = new JsonObject { ["hidden_size"] = 8 },
        ["partition_config"] = new JsonObject
        {
            ["strategy"] = "stratified", ["total_parts"] = 2, ["part_index"] = 0, ["min_samples"] = 5, ["seed"] = 42,
        },
        ["train_config"] = new JsonObject { ["epochs"] = 20, ["batch_size"] = 16, ["learning_rate"] = 0.01, ["optimizer"] = "adam" },
        ["global_model"] = globalModel,
        ["privacy"] = privacy,
    };

    /// <summary>A global model: the first round's weights trained from the session seed.</summary>
    private static Dictionary<string, float[]> Global()
    {
        var run = FederatedTrainer.Train(FederatedTaskConfig.Parse(Config(null, null).ToJsonString()), Iris);
        return run.Update.Weights.ToDictionary(p => p.Key, p => p.Value);
    }

    private static Dictionary<string, float[]> Delta(FederatedUpdate update, IReadOnlyDictionary<string, float[]> global) =>
        update.Weights.ToDictionary(p => p.Key, p => p.Value.Select((v, i) => v - global[p.Key][i]).ToArray());

    private static FederatedUpdate Train(Dictionary<string, float[]> global, JsonObject? privacy, int seed = 1) =>
        FederatedTrainer.Train(FederatedTaskConfig.Parse(Config(JsonSerializer.SerializeToNode(global), privacy).ToJsonString()), Iris,
            privacyNoise: new GaussianNoise(new Random(seed))).Update;

    [Fact]
    public void The_update_that_leaves_the_runner_is_clipped_and_carries_its_indicator()
    {
        var global = Global();
        var plain = L2Clipping.Norm(Delta(Train(global, null), global));
        Assert.True(plain > 0.2, $"the unclipped update's norm {plain} must be above the clip for this test to mean anything");

        var update = Train(global, new JsonObject { ["l2_norm_clip"] = 0.1, ["noise_stddev"] = 1e-9, ["count_noise_stddev"] = 1e-9 });
        var delta = Delta(update, global);
        Assert.InRange(L2Clipping.Norm(delta), 0.1 - 1e-4, 0.1 + 1e-4);
        // What it reports as its gradients is the same noised delta, and it was clipped: its indicator is −½.
        foreach (var (key, values) in delta) Assert.Equal(values, update.Gradients[key], (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(-0.5, update.BelowClip!.Value, 6);

        var loose = Train(global, new JsonObject { ["l2_norm_clip"] = 1e6, ["noise_stddev"] = 1e-9, ["count_noise_stddev"] = 1e-9 });
        Assert.Equal(0.5, loose.BelowClip!.Value, 6);
        Assert.Equal(plain, L2Clipping.Norm(Delta(loose, global)), 4);
    }

    [Fact]
    public void The_noise_is_drawn_on_the_runner_and_fixed_clipping_reports_no_indicator()
    {
        var global = Global();
        JsonObject Privacy() => new() { ["l2_norm_clip"] = 1e-6, ["noise_stddev"] = 0.5 };
        var first = Delta(Train(global, Privacy(), seed: 1), global);
        var second = Delta(Train(global, Privacy(), seed: 2), global);
        // The clipped update is negligible next to noise of std 0.5: the values are the noise, and differ by seed.
        var values = first.Values.SelectMany(v => v).Select(v => (double)v).ToArray();
        var std = Math.Sqrt(values.Average(v => v * v));
        Assert.InRange(std, 0.3, 0.7);
        Assert.NotEqual(first["output_bias"], second["output_bias"]);
        Assert.Null(Train(global, Privacy()).BelowClip);
    }

    [Theory]
    [InlineData("""{"noise_stddev":0.1}""", "config.privacy.l2_norm_clip is required")]
    [InlineData("""{"l2_norm_clip":0,"noise_stddev":0.1}""", "config.privacy.l2_norm_clip must be > 0, got 0")]
    [InlineData("""{"l2_norm_clip":1}""", "config.privacy.noise_stddev is required")]
    [InlineData("""{"l2_norm_clip":1,"noise_stddev":0}""", "config.privacy.noise_stddev must be > 0, got 0")]
    [InlineData("""{"l2_norm_clip":1,"noise_stddev":0.1,"count_noise_stddev":-1}""", "config.privacy.count_noise_stddev must be > 0, got -1")]
    [InlineData("""{"l2_norm_clip":1,"noise_stddev":0.1,"epsilon":1}""", "config.privacy.epsilon is not a known field")]
    [InlineData("""[1]""", "config.privacy must be a JSON object")]
    public void A_bad_privacy_is_refused_naming_the_field(string privacy, string expected)
    {
        var config = Config(JsonSerializer.SerializeToNode(new Dictionary<string, float[]> { ["w"] = [0f] }), null);
        config["privacy"] = JsonNode.Parse(privacy);
        Assert.Contains(expected, Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config.ToJsonString())).Message);
    }

    [Fact]
    public void Privacy_without_a_global_model_is_refused()
    {
        var config = Config(null, new JsonObject { ["l2_norm_clip"] = 1, ["noise_stddev"] = 0.1 });
        Assert.Contains("config.privacy needs a weight model and its config.global_model",
            Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config.ToJsonString())).Message);
    }
}
