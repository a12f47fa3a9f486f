using Parity.Learning.Data;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

/// <summary>
/// The network's shapes, wire keys, initialisation and numerics where the models room's mutation run found them
/// unchecked (docs/testing.md): shape bounds at their edges, softmax on logits too large for exp, predictions across
/// evaluation chunks, He initialisation only into ReLU hidden layers.
/// </summary>
public sealed class MlpModelChecksTests
{
    [Theory]
    [InlineData(MlpTask.Classification, 0, 4, 2, "input_size")]
    [InlineData(MlpTask.Regression, 3, 4, 2, "output_size")]
    [InlineData(MlpTask.Classification, 3, 4, 1, "output_size")]
    [InlineData(MlpTask.Classification, 3, 0, 2, "hidden_size")]
    public void A_network_of_an_impossible_shape_is_refused_naming_the_field(MlpTask task, int inputs, int hidden, int outputs, string field)
    {
        var error = Assert.Throws<ModelConfigException>(() => MlpModel.Create(task, inputs, [hidden], outputs, Activation.Relu, seed: 1));

        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData(MlpTask.Classification, 1, 1, 2)]
    [InlineData(MlpTask.Regression, 1, 1, 1)]
    public void The_smallest_networks_are_allowed(MlpTask task, int inputs, int hidden, int outputs)
    {
        var model = MlpModel.Create(task, inputs, [hidden], outputs, Activation.Relu, seed: 1);

        Assert.Equal([inputs, hidden, outputs], model.LayerSizes);
    }

    [Fact]
    public void A_regression_network_has_no_classes()
    {
        var model = MlpModel.Create(MlpTask.Regression, 2, [3], 1, Activation.Relu, seed: 1);

        Assert.Throws<InvalidOperationException>(() => model.Classify(new float[] { 1f, 2f }, 1));
    }

    [Theory]
    [InlineData(0, 1, "input_to_hidden_weights", "hidden_bias")]
    [InlineData(1, 1, "hidden_to_output_weights", "output_bias")]
    [InlineData(1, 2, "hidden1_to_hidden2_weights", "hidden2_bias")]
    [InlineData(2, 2, "hidden2_to_output_weights", "output_bias")]
    public void Layer_keys_follow_the_wire_names(int layer, int hiddenLayers, string weights, string bias)
    {
        Assert.Equal((weights, bias), MlpModel.LayerKeys(layer, hiddenLayers));
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(2, 1)]
    public void A_layer_outside_the_network_has_no_keys(int layer, int hiddenLayers)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MlpModel.LayerKeys(layer, hiddenLayers));
    }

    /// <summary>1 input → 1 hidden unit → 2 classes, all weights 0 and the output biases as given: the logits are the biases.</summary>
    private static MlpModel Biased(float first, float second) => MlpModel.FromWeights(MlpTask.Classification, 1, [1], 2, Activation.Relu,
        new Dictionary<string, float[]>
        {
            ["input_to_hidden_weights"] = [0f], ["hidden_bias"] = [0f],
            ["hidden_to_output_weights"] = [0f, 0f], ["output_bias"] = [first, second],
        });

    [Fact]
    public void Logits_too_large_for_exp_still_give_probabilities()
    {
        var probabilities = Biased(1000f, 990f).Predict(new float[] { 0.5f }, 1);

        Assert.All(probabilities, p => Assert.True(float.IsFinite(p), $"probability {p}"));
        Assert.Equal(1f, probabilities[0], 4);
        Assert.Equal(0f, probabilities[1], 4);
    }

    [Fact]
    public void A_confident_wrong_answer_has_a_large_finite_loss()
    {
        // The label is class 1, whose logit is 1000 below class 0's: −log p = log(1 + e^−1000 ...) + 1000 ≈ 1000.
        var evaluation = Biased(1000f, 0f).Evaluate(new Dataset([0.5f], 1, 1, [1f]));

        Assert.Equal(1000, evaluation.Loss, 1);
        Assert.Equal(0, evaluation.Accuracy);
    }

    [Fact]
    public void Predictions_across_evaluation_chunks_equal_predictions_row_by_row()
    {
        var model = MlpModel.Create(MlpTask.Classification, 3, [5], 4, Activation.Tanh, seed: 7);
        const int rows = 2 * 512 + 6;
        var features = Enumerable.Range(0, rows * 3).Select(i => MathF.Sin(i * 0.37f)).ToArray();

        var together = model.Predict(features, rows);

        Assert.Equal(rows * 4, together.Length);
        foreach (var row in new[] { 0, 511, 512, 1023, 1024, rows - 1 })
        {
            var alone = model.Predict(features.AsMemory(row * 3, 3), 1);
            for (var k = 0; k < 4; k++) Assert.Equal(alone[k], together[row * 4 + k], 5);
        }
    }

    [Fact]
    public void He_initialisation_goes_into_relu_hidden_layers_only()
    {
        // 200 inputs → 50 ReLU units → 3 outputs. He draws N(0, 2/fan_in) and is unbounded; Glorot is uniform within
        // ±√(6/(fan_in + fan_out)). The hidden layer must show He's tails, the output layer must stay within Glorot's limit.
        var model = MlpModel.Create(MlpTask.Classification, 200, [50], 3, Activation.Relu, seed: 3, Initialization.He);
        var weights = model.GetWeights();

        var hiddenLimit = MathF.Sqrt(6f / (200 + 50));
        Assert.Contains(weights["input_to_hidden_weights"], w => MathF.Abs(w) > hiddenLimit);
        var outputLimit = MathF.Sqrt(6f / (50 + 3));
        Assert.All(weights["hidden_to_output_weights"], w => Assert.True(MathF.Abs(w) <= outputLimit, $"output weight {w} beyond ±{outputLimit}"));
    }
}
