using System.Text.Json;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

public sealed class GlobalModelJsonTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void Weights_come_from_the_upstream_aggregation_envelope()
    {
        var weights = GlobalModelJson.ReadWeights(Json("""
            {"method": "federated_averaging",
             "aggregated_model": {"linear_weights": [9, 9]},
             "gradients": {"linear_weights": [0.5, -0.5]},
             "weights": {"linear_weights": [1.5, -2]},
             "global_metrics": {"average_loss": 1.2}, "participant_count": 2}
            """));

        Assert.Equal(["linear_weights"], weights!.Keys);
        Assert.Equal([1.5f, -2f], weights["linear_weights"]);
        Assert.Equal([9f, 9f], GlobalModelJson.ReadWeights(Json("""{"aggregated_model": {"linear_weights": [9, 9]}}"""))!["linear_weights"]);
    }

    [Fact]
    public void A_bare_weight_map_or_null_is_accepted()
    {
        var weights = GlobalModelJson.ReadWeights(Json("""{"hidden_bias": [0.25, 1e-3], "output_bias": []}"""));

        Assert.Equal([0.25f, 1e-3f], weights!["hidden_bias"]);
        Assert.Empty(weights["output_bias"]);
        Assert.Null(GlobalModelJson.ReadWeights(Json("null")));
    }

    [Theory]
    [InlineData("""{"hidden_bias": [1, "x"]}""", "hidden_bias[1]")]
    [InlineData("""{"hidden_bias": 3}""", "hidden_bias is not an array")]
    [InlineData("""{"weights": {"hidden_bias": [1e39]}}""", "hidden_bias[0]")]
    [InlineData("[1, 2]", "global_model must be a JSON object")]
    public void Values_that_are_not_finite_numbers_are_rejected(string json, string message)
    {
        var error = Assert.Throws<ModelConfigException>(() => GlobalModelJson.ReadWeights(Json(json)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void An_upstream_one_hidden_layer_model_warm_starts_our_trainer()
    {
        // Shapes as the reference runner sends them for iris with hidden_size 2: [4][2], [2], [2][3], [3].
        var global = GlobalModelJson.ReadWeights(Json("""
            {"weights": {"input_to_hidden_weights": [0.1, -0.2, 0.3, 0.1, -0.1, 0.2, 0.05, -0.3],
                         "hidden_bias": [0.01, -0.01],
                         "hidden_to_output_weights": [0.2, -0.1, 0.05, -0.3, 0.4, 0.1],
                         "output_bias": [0, 0.01, -0.01]}}
            """))!;
        var iris = ModelTestData.Load("iris.csv");
        var options = new MlpOptions
        {
            Task = MlpTask.Classification, HiddenSizes = [2], Epochs = 2, LearningRate = 0.05f, BatchSize = 16, Seed = 1,
        };

        var result = new MlpTrainer(options).Train(iris, global);

        Assert.Equal(MlpModel.FromWeights(MlpTask.Classification, 4, [2], 3, Activation.Relu, global).Evaluate(iris).Loss,
            result.LossHistory[0]);
        Assert.Equal(global.Keys, result.Weights.Keys);
    }
}
