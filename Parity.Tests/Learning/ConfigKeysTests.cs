using System.Text.Json;
using Parity.Federation;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Tasks;

namespace Parity.Tests.Learning;

/// <summary>
/// Unknown configuration keys are refused with the nearest valid one (a misspelt optimiser used to be ignored, and
/// training fell back to SGD), and a classifier given a numeric target says to train a regression.
/// </summary>
public class ConfigKeysTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static readonly JsonElement Train = Json("""{"epochs": 2, "learning_rate": 0.01, "batch_size": 8, "seed": 1}""");

    [Theory]
    [InlineData("optimiser", "optimizer", 1)]
    [InlineData("ab", "ba", 1)] // one transposition
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void Edit_distance_counts_insertions_deletions_substitutions_and_transpositions(string a, string b, int expected)
    {
        Assert.Equal(expected, ConfigKeys.EditDistance(a, b));
        Assert.Equal(expected, ConfigKeys.EditDistance(b, a));
    }

    [Fact]
    public void A_misspelt_train_key_is_refused_naming_the_key_and_the_one_meant()
    {
        var train = Json("""{"epochs": 2, "learning_rate": 0.01, "batch_size": 8, "seed": 1, "optimiser": "adam"}""");
        var error = Assert.Throws<ModelConfigException>(() => MlpOptions.FromJson(train, Json("""{"hidden_size": 4}""")));
        Assert.Equal("optimiser", error.Field);
        Assert.Contains("train_config has no key optimiser (did you mean optimizer?)", error.Message);
    }

    [Fact]
    public void A_key_close_to_nothing_gets_the_list_of_valid_keys_and_no_guess()
    {
        var error = Assert.Throws<ModelConfigException>(() => MlpOptions.FromJson(Train, Json("""{"hidden_size": 4, "dropout": 0.5}""")));
        Assert.Equal("dropout", error.Field);
        Assert.DoesNotContain("did you mean", error.Message);
        Assert.Contains("model_config has no key dropout; its keys are hidden_size, hidden_sizes, activation, init, task, class_count",
            error.Message);
    }

    [Fact]
    public void The_reference_runners_size_and_type_keys_are_accepted_for_the_network()
    {
        var options = MlpOptions.FromJson(Train, Json("""{"hidden_size": 4, "input_size": 64, "output_size": 10, "model_type": "nn"}"""));
        Assert.Equal([4], options.HiddenSizes);
    }

    [Fact]
    public void The_linear_model_refuses_network_keys_and_an_intercept_it_cannot_drop()
    {
        var train = Json("""{"epochs": 2, "learning_rate": 0.01, "batch_size": 8, "seed": 1, "momentum": 0.9}""");
        var momentum = Assert.Throws<ModelConfigException>(() => LinearRegressionOptions.FromJson(train, null));
        Assert.Equal("momentum", momentum.Field);
        var intercept = Assert.Throws<ModelConfigException>(() => LinearRegressionOptions.FromJson(Train, Json("""{"fit_intercept": false}""")));
        Assert.Equal("fit_intercept", intercept.Field);
        Assert.NotNull(LinearRegressionOptions.FromJson(Train, Json("""{"fit_intercept": true, "input_size": 10}""")));
    }

    [Fact]
    public void The_forest_refuses_reference_keys_it_does_not_implement_but_accepts_thread_counts()
    {
        var splitter = Assert.Throws<ModelConfigException>(() => ForestOptionsJson.FromJson(Json("""{"num_trees": 5, "splitter": "random"}"""), 1));
        Assert.Equal("splitter", splitter.Field);
        var depth = Assert.Throws<ModelConfigException>(() => ForestOptionsJson.FromJson(Json("""{"num_trees": 5, "max_dpeth": 3}"""), 1));
        Assert.Contains("did you mean max_depth?", depth.Message);
        Assert.Equal(5, ForestOptionsJson.FromJson(Json("""{"num_trees": 5, "parallel_jobs": 4}"""), 1).Trees);
    }

    [Fact]
    public void A_hostile_key_is_quoted_in_a_bounded_printable_excerpt()
    {
        var key = "x\n" + new string('k', 1 << 20);
        var train = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["epochs"] = 1, [key] = 1 });
        var error = Assert.Throws<ModelConfigException>(() => MlpOptions.FromJson(train, Json("""{"hidden_size": 4}""")));
        Assert.True(error.Message.Length < 400, error.Message.Length.ToString());
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void A_task_config_with_a_misspelt_key_fails_at_the_gateway_naming_it()
    {
        var config = """
            {"session_id": "s1", "round_id": "r1", "model_type": "neural_network", "dataset_cid": "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
             "data_format": "csv", "model_config": {"hidden_size": 4},
             "partition_config": {"strategy": "random", "total_parts": 2, "part_index": 0, "min_samples": 5, "seed": 1},
             "train_config": {"epochs": 2, "batch_size": 8, "learning_rate": 0.01, "optimiser": "adam"}}
            """;
        var error = Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config));
        Assert.Contains("optimiser", error.Message);
        Assert.Contains("did you mean optimizer?", error.Message);
    }

    [Fact]
    public void A_session_with_a_misspelt_local_training_key_is_refused_naming_the_one_meant()
    {
        var body = """
            {"name": "s", "model_type": "neural_network", "total_rounds": 2, "min_participants": 2,
             "training_data": {"dataset_cid": "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", "data_format": "csv",
                               "split_strategy": "random", "metadata": {"min_samples": 5}},
             "config": {"aggregation_method": "fedavg", "learning_rate": 0.01, "batch_size": 8, "local_epochs": 1,
                        "model_config": {"hidden_size": 4}, "train_config": {"momentun": 0.9}}}
            """;
        var error = Assert.Throws<TaskConfigException>(() => FlSessionRequest.Parse(Json(body), () => 1));
        Assert.StartsWith("config.train_config.momentun is not a local training key (did you mean momentum?)", error.Message);
    }

    [Fact]
    public void A_network_classifier_on_a_numeric_target_says_to_train_a_regression()
    {
        var diabetes = DatasetReader.ReadFile(TestDatasets.PathOf("diabetes.csv"));
        var classifier = MlpOptions.FromJson(Train, Json("""{"hidden_size": 8}"""));
        var error = Assert.Throws<ModelConfigException>(() => new MlpTrainer(classifier).Train(diabetes));
        Assert.Equal("task", error.Field);
        Assert.Contains("set model_config.task to \"regression\"", error.Message);

        // What the message says to do works, and so does a regression trains on every row.
        var regression = MlpOptions.FromJson(Train, Json("""{"hidden_size": 8, "task": "regression"}"""));
        Assert.Equal(442, new MlpTrainer(regression).Train(diabetes).SampleCount);
    }

    [Fact]
    public void A_network_classifier_on_fractional_labels_says_to_train_a_regression()
    {
        var data = DatasetReader.ReadText("a,y\n1,0\n2,1.5\n3,1\n4,0\n", DatasetFormat.Csv);
        var options = MlpOptions.FromJson(Train, Json("""{"hidden_size": 2}"""));
        var error = Assert.Throws<ModelConfigException>(() => new MlpTrainer(options).Train(data));
        Assert.Contains("label 1.5 of row 1", error.Message);
        Assert.Contains("model_config.task to \"regression\"", error.Message);
    }

    [Fact]
    public void A_forest_on_a_numeric_target_is_refused_with_what_to_use_instead()
    {
        var diabetes = DatasetReader.ReadFile(TestDatasets.PathOf("diabetes.csv"));
        var options = ForestOptionsJson.FromJson(Json("""{"num_trees": 3}"""), 1);
        var error = Assert.Throws<ModelConfigException>(() => new ForestTrainer(options).Fit(diabetes));
        Assert.Contains("214 distinct values", error.Message);
        Assert.Contains("use linear_regression", error.Message);
    }
}
