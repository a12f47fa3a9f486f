using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

public sealed class TrainConfigJsonTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private const string Train = """{"epochs": 5, "learning_rate": 0.01, "batch_size": 32, "seed": 7}""";

    [Fact]
    public void Mlp_options_are_read_from_train_config_and_model_config()
    {
        var options = MlpOptions.FromJson(
            Json("""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32.0, "seed": 7, "optimizer": "Adam", "alpha": 0.001, "beta_2": 0.99}"""),
            Json("""{"hidden_size": 64, "activation": "tanh", "input_size": 4, "output_size": 3, "class_count": 10}"""));

        Assert.Equal(MlpTask.Classification, options.Task);
        Assert.Equal([64], options.HiddenSizes);
        Assert.Equal(Activation.Tanh, options.Activation);
        Assert.Equal((5, 0.01f, 32, 7L), (options.Epochs, options.LearningRate, options.BatchSize, options.Seed));
        Assert.Equal(OptimizerKind.Adam, options.Optimizer);
        Assert.Equal(0.001f, options.Alpha);
        Assert.Equal(0.99f, options.Beta2);
        Assert.Equal(10, options.ClassCount);
    }

    [Fact]
    public void Several_hidden_layers_and_regression_can_be_configured()
    {
        var options = MlpOptions.FromJson(Json(Train),
            Json("""{"hidden_sizes": [32, 16], "task": "regression", "activation": "sigmoid"}"""));

        Assert.Equal([32, 16], options.HiddenSizes);
        Assert.Equal(MlpTask.Regression, options.Task);
        Assert.Equal(Activation.Sigmoid, options.Activation);
        Assert.Equal(OptimizerKind.Sgd, options.Optimizer);
        Assert.Equal(0f, options.Momentum);
    }

    [Theory]
    [InlineData("""{"learning_rate": 0.01, "batch_size": 32, "seed": 7}""", "epochs")]
    [InlineData("""{"epochs": 5, "batch_size": 32, "seed": 7}""", "learning_rate")]
    [InlineData("""{"epochs": 5, "learning_rate": 0.01, "seed": 7}""", "batch_size")]
    [InlineData("""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32}""", "seed")]
    public void A_missing_required_field_is_named(string train, string field)
    {
        var error = Assert.Throws<ModelConfigException>(() => MlpOptions.FromJson(Json(train), Json("""{"hidden_size": 8}""")));

        Assert.Equal(field, error.Field);
        Assert.Equal($"training configuration is incomplete: {field} is required", error.Message);
    }

    [Fact]
    public void Hidden_size_is_required_and_the_seed_may_come_from_the_caller()
    {
        var noHidden = Assert.Throws<ModelConfigException>(() => MlpOptions.FromJson(Json(Train), Json("{}")));
        Assert.Equal("hidden_size", noHidden.Field);

        var unseeded = Json("""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32}""");
        Assert.Equal(99, MlpOptions.FromJson(unseeded, Json("""{"hidden_size": 8}"""), defaultSeed: 99).Seed);
    }

    [Theory]
    [InlineData("""{"epochs": "5", "learning_rate": 0.01, "batch_size": 32, "seed": 7}""", "epochs", "epochs must be an integer")]
    [InlineData("""{"epochs": 5, "learning_rate": 2, "batch_size": 32, "seed": 7}""", "learning_rate", "learning_rate must be in (0, 1]")]
    [InlineData("""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32, "seed": 7, "optimizer": "lbfgs"}""", "optimizer", "sgd or adam")]
    [InlineData("""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32, "seed": 7, "momentum": 1.5}""", "momentum", "[0, 1)")]
    public void Invalid_values_are_named(string train, string field, string message)
    {
        var error = Assert.Throws<ModelConfigException>(() => MlpOptions.FromJson(Json(train), Json("""{"hidden_size": 8}""")));

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Linear_regression_options_check_the_upstream_input_size_against_the_data()
    {
        var options = LinearRegressionOptions.FromJson(Json(Train), Json("""{"input_size": 3}"""));
        var twoFeatures = new Dataset([1, 2, 3, 4], 2, 2, [1, 2]);

        Assert.Equal((5, 0.01f, 32, 7L, 3), (options.Epochs, options.LearningRate, options.BatchSize, options.Seed, options.InputSize));
        var error = Assert.Throws<ModelConfigException>(() => LinearRegression.Train(twoFeatures, options));
        Assert.Equal("input_size", error.Field);
        Assert.Contains("input_size is 3 but the data has 2 features", error.Message);
    }
}
