using Parity.Tasks;
using Parity.Tests.Learning;
using System.Text.Json;
using Parity.Learning.Data;
using Parity.Federation;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

public class FederatedTrainerTests
{
    private static Dataset Iris => DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv"));

    private static string Config(string modelType, object modelConfig, object? trainConfig = null, string strategy = "stratified",
        int totalParts = 2, int partIndex = 0, object? globalModel = null, int? minSamples = 5) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["session_id"] = "session-1",
            ["round_id"] = "round-1",
            ["model_type"] = modelType,
            ["dataset_cid"] = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
            ["data_format"] = "csv",
            ["model_config"] = modelConfig,
            ["partition_config"] = new Dictionary<string, object?>
            {
                ["strategy"] = strategy, ["total_parts"] = totalParts, ["part_index"] = partIndex, ["min_samples"] = minSamples, ["seed"] = 42,
            },
            ["train_config"] = trainConfig ?? new { epochs = 30, batch_size = 16, learning_rate = 0.01, optimizer = "adam" },
            ["global_model"] = globalModel,
        });

    [Theory]
    [InlineData("session_id", "config.session_id is required")]
    [InlineData("model_config", "config.model_config is required")]
    [InlineData("partition_config", "config.partition_config is required")]
    [InlineData("data_format", "config.data_format is required")]
    public void Missing_fields_are_named(string field, string expected)
    {
        var config = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Config("neural_network", new { hidden_size = 4 }))!;
        config.Remove(field);
        var error = Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(JsonSerializer.Serialize(config)));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Training_parameters_are_never_defaulted()
    {
        var config = Config("neural_network", new { hidden_size = 4 }, new { epochs = 3, batch_size = 8 });
        // Refused when the config is read (on the gateway too), before any data is touched.
        var error = Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config));
        Assert.Equal("config (learning_rate): training configuration is incomplete: learning_rate is required", error.Message);

        var forest = Config("random_forest", new { max_depth = 3 });
        Assert.Equal("config (num_trees): training configuration is incomplete: num_trees is required",
            Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(forest)).Message);
    }

    [Fact]
    public void Min_samples_must_be_given_and_alpha_positive()
    {
        var noMinimum = Config("neural_network", new { hidden_size = 4 }, minSamples: null);
        Assert.Equal("config.partition_config.min_samples: invalid partition configuration: min_samples must be provided and positive",
            Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(noMinimum)).Message);

        var badAlpha = Config("neural_network", new { hidden_size = 4 }).Replace("\"strategy\":\"stratified\"", "\"strategy\":\"non_iid\",\"alpha\":0");
        Assert.Equal("config.partition_config.alpha: alpha parameter must be positive for non-IID partitioning, got 0.000000",
            Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(badAlpha)).Message);
    }

    [Fact]
    public void Unknown_model_types_are_refused()
    {
        var error = Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(Config("svm", new { })));
        Assert.StartsWith("config.model_type: unsupported model_type: svm", error.Message);
    }

    [Fact]
    public void Participants_train_disjoint_parts_and_report_the_update_against_the_global_model()
    {
        var first = FederatedTrainer.Train(FederatedTaskConfig.Parse(Config("neural_network", new { hidden_size = 8 })), Iris).Update;
        var global = new { weights = first.Weights };

        var runs = Enumerable.Range(0, 2)
            .Select(i => FederatedTrainer.Train(FederatedTaskConfig.Parse(
                Config("neural_network", new { hidden_size = 8 }, partIndex: i, globalModel: global)), Iris).Update)
            .ToList();

        Assert.Equal(150, runs.Sum(u => u.DataSize));
        foreach (var update in runs)
        {
            Assert.Equal("session-1", update.SessionId);
            Assert.Equal("neural_network", update.ModelType);
            Assert.Equal(update.DataSize, update.Metadata.SampleCount);
            foreach (var (key, weights) in update.Weights)
            {
                var delta = update.Gradients[key];
                for (var i = 0; i < weights.Length; i++) Assert.Equal(weights[i] - first.Weights[key][i], delta[i], 5);
            }
        }
    }

    [Fact]
    public void Every_participant_builds_the_same_output_layer_even_when_its_part_lacks_classes()
    {
        // label_skew with three parts of iris: each part holds one class only.
        var sizes = Enumerable.Range(0, 3).Select(i =>
        {
            var config = Config("neural_network", new { hidden_size = 4 }, strategy: "label_skew", totalParts: 3, partIndex: i);
            return FederatedTrainer.Train(FederatedTaskConfig.Parse(config), Iris).Update.Weights["output_bias"].Length;
        }).ToList();

        Assert.Equal([3, 3, 3], sizes);
    }

    [Fact]
    public void A_forest_update_carries_the_serialized_forest_and_its_metrics()
    {
        var run = FederatedTrainer.Train(FederatedTaskConfig.Parse(Config("random_forest", new { num_trees = 20, max_depth = 5, oob_score = true })), Iris);
        var update = run.Update;

        var forest = ForestSerializer.Deserialize(Convert.FromBase64String(update.Forest!));
        Assert.Equal(20, forest.Trees.Count);
        Assert.Equal(20, update.RfMetrics!.TreeCount);
        Assert.Equal(1.0, update.RfMetrics.FeatureImportance.Sum(), 6);
        Assert.NotNull(update.RfMetrics.OobScore);
        Assert.Equal(forest.Score(Iris), run.Evaluate(Iris).Accuracy);
        Assert.True(run.Evaluate(Iris).Accuracy > 0.9);
    }

    [Fact]
    public void Linear_regression_reports_r2_on_the_diabetes_data()
    {
        var diabetes = DatasetReader.ReadFile(TestDatasets.PathOf("diabetes.csv"));
        var config = Config("linear_regression", new { input_size = 10 }, new { epochs = 300, batch_size = 32, learning_rate = 0.5 },
            strategy: "random", totalParts: 1);
        var update = FederatedTrainer.Train(FederatedTaskConfig.Parse(config), diabetes).Update;

        Assert.Equal(442, update.DataSize);
        Assert.InRange(update.RSquared!.Value, 0.4, 0.6);
        Assert.Null(update.Accuracy);
    }

    [Fact]
    public void The_train_command_prints_metrics_and_writes_the_update()
    {
        var dir = Directory.CreateTempSubdirectory("parity-train-").FullName;
        try
        {
            var configPath = Path.Combine(dir, "task.json");
            File.WriteAllText(configPath, Config("random_forest", new { num_trees = 10, oob_score = true }));
            var iris = TestDatasets.PathOf("iris.csv");
            var (code, stdout, stderr) = ParityCli.Run(null, "train", "--config", configPath, "--data", iris, "--test", iris, "--out", Path.Combine(dir, "update.json"));

            Assert.True(code == 0, stderr);
            using var summary = JsonDocument.Parse(stdout);
            Assert.Equal("random_forest", summary.RootElement.GetProperty("model_type").GetString());
            Assert.Equal(75, summary.RootElement.GetProperty("samples").GetInt32());
            Assert.Equal(150, summary.RootElement.GetProperty("test").GetProperty("samples").GetInt32());
            Assert.Equal(4, summary.RootElement.GetProperty("feature_importance").GetArrayLength());
            using var update = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "update.json")));
            Assert.Equal("session-1", update.RootElement.GetProperty("session_id").GetString());

            File.WriteAllText(configPath, Config("neural_network", new { hidden_size = 4 }, new { epochs = 3, learning_rate = 0.1 }));
            var (badCode, badOut, badErr) = ParityCli.Run(null, "train", "--config", configPath, "--data", iris);
            Assert.Equal(2, badCode);
            Assert.Equal("", badOut);
            Assert.Contains("train: config (batch_size): training configuration is incomplete: batch_size is required", badErr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_train_command_with_missing_options_exits_2_naming_them()
    {
        var (code, _, stderr) = ParityCli.Run(null, "train");
        Assert.Equal(2, code);
        Assert.Contains("--config", stderr);
        Assert.Contains("--data", stderr);
    }

    [Fact]
    public void The_train_command_on_a_numeric_target_with_a_classifier_says_to_train_a_regression()
    {
        var dir = Directory.CreateTempSubdirectory("parity-train-").FullName;
        try
        {
            var configPath = Path.Combine(dir, "task.json");
            File.WriteAllText(configPath, Config("neural_network", new { hidden_size = 8 }, strategy: "random"));
            var (code, stdout, stderr) = ParityCli.Run(null, "train", "--config", configPath, "--data", TestDatasets.PathOf("diabetes.csv"));
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Contains("set model_config.task to \"regression\"", stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
