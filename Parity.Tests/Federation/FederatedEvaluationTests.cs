using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;
using Parity.Tasks;
using Parity.Tests.Learning;

namespace Parity.Tests.Federation;

/// <summary>
/// The participant's side of federated evaluation: the task config's <c>evaluation_fraction</c> and <c>evaluate_only</c>,
/// the held-out rows left out of training and used to score the global model the task carried, and the session's check
/// of the score a participant reports.
/// </summary>
public sealed class FederatedEvaluationTests
{
    private static Dataset Iris => DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv"));

    private static JsonObject Config(string modelType = "neural_network", JsonNode? modelConfig = null, int partIndex = 0) => new()
    {
        ["session_id"] = "session-1",
        ["round_id"] = "round-1",
        ["model_type"] = modelType,
        ["dataset_cid"] = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
        ["data_format"] = "csv",
        ["model_config"] = modelConfig ?? new JsonObject { ["hidden_size"] = 8 },
        ["partition_config"] = new JsonObject
        {
            ["strategy"] = "stratified", ["total_parts"] = 2, ["part_index"] = partIndex, ["min_samples"] = 5, ["seed"] = 42,
        },
        ["train_config"] = new JsonObject { ["epochs"] = 30, ["batch_size"] = 16, ["learning_rate"] = 0.01, ["optimizer"] = "adam" },
    };

    private static FederatedRun Train(JsonObject config) => FederatedTrainer.Train(FederatedTaskConfig.Parse(config.ToJsonString()), Iris);

    [Theory]
    [InlineData("0", "config.evaluation_fraction must be in (0, 0.5], got 0")]
    [InlineData("0.6", "config.evaluation_fraction must be in (0, 0.5], got 0.6")]
    [InlineData("-0.1", "config.evaluation_fraction must be in (0, 0.5], got -0.1")]
    [InlineData("\"x\"", "config.evaluation_fraction must be a number")]
    [InlineData("true", "config.evaluation_fraction must be a number")]
    public void A_bad_evaluation_fraction_is_refused_naming_it(string raw, string expected)
    {
        var config = Config();
        config["evaluation_fraction"] = JsonNode.Parse(raw);
        Assert.Equal(expected, Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config.ToJsonString())).Message);
    }

    [Fact]
    public void Evaluate_only_needs_the_held_out_rows_and_a_model_and_must_be_a_boolean()
    {
        var config = Config();
        config["evaluate_only"] = true;
        Assert.Contains("config.evaluate_only needs config.evaluation_fraction",
            Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config.ToJsonString())).Message);
        config["evaluation_fraction"] = 0.2;
        Assert.Contains("config.evaluate_only needs config.global_model",
            Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config.ToJsonString())).Message);
        config["evaluate_only"] = "yes";
        Assert.Contains("config.evaluate_only must be true or false",
            Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config.ToJsonString())).Message);
    }

    [Fact]
    public void The_held_out_rows_are_left_out_of_training_and_score_the_global_model_received()
    {
        var initial = Train(Config()).Update;
        var config = Config();
        config["evaluation_fraction"] = 0.2;
        config["global_model"] = JsonSerializer.SerializeToNode(new { weights = initial.Weights });
        var update = Train(config).Update;

        // Part 0 of 2 of iris (stratified) has 75 rows: ⌈0.2 · 75⌉ = 15 held out, 60 trained on.
        Assert.Equal(60, update.DataSize);
        Assert.Equal(60, update.Metadata.SampleCount);
        var score = update.GlobalEvaluation!;
        Assert.Equal(15, score.Rows);
        Assert.InRange(score.Accuracy!.Value, 0, 1);

        // The score is the received model's on exactly the held-out rows: recomputed here from the same split.
        var part = Partitioner.Apply(Iris, FederatedTaskConfig.Parse(config.ToJsonString()).Partition);
        var (_, heldOut) = HeldOutSplit.Select(part.Labels.Span, 0.2, 42, 0, stratified: true);
        var spec = new FlSessionSpec
        {
            Name = "s", ModelType = FederatedModelType.NeuralNetwork, TotalRounds = 1, MinParticipants = 1, Seed = 42,
            TrainingData = new FlTrainingData { DatasetCid = "x", DataFormat = "csv", SplitStrategy = "stratified", MinSamples = 5 },
            Config = """{"model_config":{"hidden_size":8},"learning_rate":0.01,"batch_size":16,"local_epochs":30,"train_config":{"optimizer":"adam"}}""",
            AggregationMethod = "fedavg", RoundTimeout = TimeSpan.FromMinutes(1), Quorum = new FlQuorum { Count = 1 },
        };
        var expected = SessionPlanning.Evaluate(spec, initial.Weights, null, part.Subset(heldOut), Iris.Columns);
        Assert.Equal(expected.TestAccuracy!.Value, score.Accuracy!.Value, 12);
        Assert.Equal(expected.TestLoss!.Value, score.Loss, 6);
    }

    [Fact]
    public void Without_a_global_model_nothing_is_scored_but_the_rows_are_still_held_out()
    {
        var config = Config(partIndex: 1);
        config["evaluation_fraction"] = 0.1;
        var update = Train(config).Update;
        Assert.Equal(75 - 8, update.DataSize);
        Assert.Null(update.GlobalEvaluation);
    }

    [Fact]
    public void An_evaluate_only_task_trains_nothing_and_reports_the_score()
    {
        var initial = Train(Config()).Update;
        var config = Config();
        config["evaluation_fraction"] = 0.2;
        config["evaluate_only"] = true;
        config["global_model"] = JsonSerializer.SerializeToNode(new { weights = initial.Weights });
        var update = Train(config).Update;
        Assert.Equal(0, update.DataSize);
        Assert.Empty(update.Weights);
        Assert.Equal(15, update.GlobalEvaluation!.Rows);
        Assert.Equal(update.GlobalEvaluation.Loss, update.Loss);
    }

    [Fact]
    public void A_forest_scores_the_global_forest_it_receives()
    {
        var forestConfig = new JsonObject { ["num_trees"] = 10, ["max_depth"] = 4 };
        var first = Train(Config("random_forest", forestConfig)).Update;
        var config = Config("random_forest", forestConfig.DeepClone());
        config["evaluation_fraction"] = 0.2;
        config["evaluate_only"] = true;
        config["global_model"] = new JsonObject { ["forest"] = first.Forest };
        var score = Train(config).Update.GlobalEvaluation!;
        Assert.Equal(15, score.Rows);
        Assert.InRange(score.Accuracy!.Value, 0.6, 1);

        config["global_model"] = new JsonObject { ["forest"] = "bm90IGEgZm9yZXN0" };
        Assert.Contains("config.global_model", Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config.ToJsonString())).Message);
    }

    [Fact]
    public void The_session_checks_a_reported_score()
    {
        var good = new FederatedEvaluation { Rows = 15, Loss = 0.4, Accuracy = 0.9 };
        Assert.Null(UpdateCheck.Evaluation(good, 15, expected: true));
        Assert.Null(UpdateCheck.Evaluation(null, null, expected: false));
        Assert.Contains("no global_evaluation", UpdateCheck.Evaluation(null, 15, expected: true));
        Assert.Contains("global_evaluation.rows 16 is not the 15 rows", UpdateCheck.Evaluation(good with { Rows = 16 }, 15, expected: true));
        Assert.Contains("global_evaluation.accuracy", UpdateCheck.Evaluation(good with { Accuracy = 1.5 }, 15, expected: true));
        Assert.Contains("global_evaluation.loss", UpdateCheck.Evaluation(good with { Loss = double.NaN }, 15, expected: true));
        Assert.Contains("holds out no rows", UpdateCheck.Evaluation(good, null, expected: false));
    }
}
