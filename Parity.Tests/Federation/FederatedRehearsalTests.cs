using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Learning.Data;
using Parity.Learning.Models;
using Parity.Tests.Learning;
using Parity.Tasks;

namespace Parity.Tests.Federation;

/// <summary>
/// The task config's <c>rehearsal</c>: a session's dry run of a round before round 1. It answers with the global
/// weights it received, so it needs a weight model and that model, and takes nothing that would make it train or send
/// anything of its own.
/// </summary>
public sealed class FederatedRehearsalTests
{
    private static JsonObject Config(string modelType = "neural_network") => new()
    {
        ["session_id"] = "session-1",
        ["round_id"] = "session-1:r0",
        ["model_type"] = modelType,
        ["dataset_cid"] = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
        ["data_format"] = "csv",
        ["model_config"] = modelType == "random_forest" ? new JsonObject { ["n_estimators"] = 2 } : new JsonObject { ["hidden_size"] = 4 },
        ["partition_config"] = new JsonObject
        {
            ["strategy"] = "stratified", ["total_parts"] = 2, ["part_index"] = 0, ["min_samples"] = 5, ["seed"] = 42,
        },
        ["train_config"] = new JsonObject { ["epochs"] = 1, ["batch_size"] = 16, ["learning_rate"] = 0.01, ["optimizer"] = "adam" },
        ["rehearsal"] = true,
    };

    private static JsonNode Weights() => JsonNode.Parse("""{"weights":{"w":[0.5,-0.25]}}""")!;

    private static string Refusal(JsonObject config) =>
        Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config.ToJsonString())).Message;

    [Fact]
    public void A_rehearsal_with_a_weight_model_and_its_global_model_is_read()
    {
        var config = Config();
        config["global_model"] = Weights();
        Assert.True(FederatedTaskConfig.Parse(config.ToJsonString()).Rehearsal);
        config.Remove("rehearsal");
        Assert.False(FederatedTaskConfig.Parse(config.ToJsonString()).Rehearsal);
    }

    [Fact]
    public void A_rehearsal_without_a_global_model_or_of_a_forest_is_refused_naming_it()
    {
        Assert.Equal("config.rehearsal needs a weight model and its config.global_model: a rehearsal answers with the global weights",
            Refusal(Config()));
        Assert.StartsWith("config.rehearsal needs a weight model", Refusal(Config("random_forest")));
    }

    [Theory]
    [InlineData("evaluate_only")]
    [InlineData("privacy")]
    [InlineData("secure_aggregation")]
    public void A_rehearsal_takes_nothing_that_trains_or_sends_something_of_its_own(string field)
    {
        var config = Config();
        config["global_model"] = Weights();
        config["evaluation_fraction"] = 0.2;
        config[field] = field switch
        {
            "evaluate_only" => true,
            "privacy" => JsonNode.Parse("""{"l2_norm_clip":1,"noise_stddev":0.5}"""),
            _ => JsonNode.Parse("""
                {"round":1,"attempt":0,"participant":1,"participants":3,"threshold":2,"vector_length":3,
                 "clip_range":1.0,"fractional_bits":16,"weight":1.0,"update_clip":1.0}
                """),
        };
        // Valid on its own (the same config without the rehearsal is read), refused with it.
        config.Remove("rehearsal");
        FederatedTaskConfig.Parse(config.ToJsonString());
        config["rehearsal"] = true;
        Assert.Equal("config.rehearsal trains and answers nothing of its own: it takes no evaluate_only, privacy or secure_aggregation",
            Refusal(config));
    }

    [Fact]
    public void A_rehearsal_trains_on_a_few_rows_and_answers_with_the_global_weights_unchanged()
    {
        var iris = DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv"));
        var config = Config();
        config.Remove("rehearsal");
        // A real global model: what a first local training on this part gives.
        var global = FederatedTrainer.Train(FederatedTaskConfig.Parse(config.ToJsonString()), iris).Update.Weights;
        config["global_model"] = System.Text.Json.JsonSerializer.SerializeToNode(global);
        config["evaluation_fraction"] = 0.2;
        var trained = FederatedTrainer.Train(FederatedTaskConfig.Parse(config.ToJsonString()), iris).Update;
        config["rehearsal"] = true;
        config.Remove("evaluation_fraction");
        var rehearsed = FederatedTrainer.Train(FederatedTaskConfig.Parse(config.ToJsonString()), iris).Update;

        Assert.Equal(global.Keys.Order(), rehearsed.Weights.Keys.Order());
        foreach (var (key, values) in global) Assert.Equal(values, rehearsed.Weights[key]);
        // The same config without the rehearsal moves the weights: the answer above is not a model that failed to train.
        Assert.Contains(global, pair => !pair.Value.SequenceEqual(trained.Weights[pair.Key]));
        Assert.Empty(rehearsed.Gradients);
        Assert.Equal(0, rehearsed.Loss);
        Assert.Null(rehearsed.Accuracy);
        Assert.Null(rehearsed.GlobalEvaluation);
        // Part 0 of 2 of iris has 75 rows: it trained on the first 64.
        Assert.Equal(FederatedTaskConfig.RehearsalRows, rehearsed.DataSize);
        Assert.Equal("session-1:r0", rehearsed.RoundId);
    }

    [Fact]
    public void Rehearsal_must_be_a_boolean()
    {
        var config = Config();
        config["global_model"] = Weights();
        config["rehearsal"] = "yes";
        Assert.Contains("config.rehearsal must be true or false", Refusal(config));
    }
}
