using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Models;
using Parity.Tests.Learning.Models;

namespace Parity.Tests.Learning;

public sealed class FedProxLinearTests
{
    // Two rows, two features: x₁ = (1, 0), y₁ = 4; x₂ = (0, 1), y₂ = 2. Every value below is a short binary fraction,
    // so the float arithmetic is exact and the results can be compared exactly.
    private static readonly Dataset TwoRows = new([1, 0, 0, 1], 2, 2, [4, 2]);

    private static readonly Dictionary<string, float[]> Global = new() { [LinearRegressionModel.WeightsKey] = [1, 1, 1] };

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    // Batch = both rows, so each epoch is one step whatever the shuffle. The first step starts at the anchor, where the
    // proximal gradient is zero, so the term shows only in the second step: two epochs.
    private static LinearRegressionOptions TwoSteps(float mu) => new()
    {
        Epochs = 2, LearningRate = 0.5f, BatchSize = 2, Seed = 1, ProximalMu = mu,
    };

    [Fact]
    public void Two_full_batch_steps_from_a_global_model_match_the_hand_computation()
    {
        // Start (b, w₁, w₂) = (1, 1, 1), η = 0.5, μ = 0.5; gradient = mean of error·x (error = ŷ − y) + μ·(param − global).
        // Step 1: ŷ = (2, 2), errors (−2, 0): g_w = (−2/2, 0/2) = (−1, 0), g_b = −2/2 = −1; proximal 0 (at the anchor).
        //         w = (1.5, 1), b = 1.5.
        // Step 2: ŷ = (1.5 + 1.5, 1.5 + 1) = (3, 2.5), errors (−1, 0.5): data g_w = (−0.5, 0.25), g_b = −0.25.
        //         proximal: μ·(w − w_g) = 0.5·(0.5, 0) = (0.25, 0); intercept μ·(b − b_g) = 0.5·0.5 = 0.25.
        //         g_w = (−0.25, 0.25), g_b = 0: w = (1.5 + 0.125, 1 − 0.125) = (1.625, 0.875), b = 1.5.
        // Without the term: w = (1.75, 0.875), b = 1.625; with the sign flipped w₁ = 1.875; anchored to zero instead of the
        // global model w₁ = 1.5 − 0.5·(−0.5 + 0.5·1.5) = 1.375; with the intercept left out b = 1.625.
        var result = LinearRegression.Train(TwoRows, TwoSteps(0.5f), Global);

        Assert.Equal([1.5f, 1.625f, 0.875f], result.Weights[LinearRegressionModel.WeightsKey]);
        // The reported loss is the plain data loss at the end: errors (3.125 − 4, 2.375 − 2) = (−0.875, 0.375),
        // ½·mean(0.765625, 0.140625) = 0.2265625, with no proximal term added.
        Assert.Equal(0.2265625, result.Loss);
        Assert.Equal(0.2265625, result.LossHistory[^1]);
        Assert.Equal(result.Model.Evaluate(TwoRows).Loss, result.Loss);
    }

    [Fact]
    public void Without_a_global_model_the_term_anchors_to_the_zero_start()
    {
        // x₁ = (1, 0), y₁ = 2; x₂ = (0, 1), y₂ = 4; start and anchor (b, w) = 0, η = 0.5, μ = 0.5.
        // Step 1: errors (−2, −4): g_w = (−1, −2), g_b = −3; proximal 0. w = (0.5, 1), b = 1.5.
        // Step 2: ŷ = (2, 2.5), errors (0, −1.5): data g_w = (0, −0.75), g_b = −0.75; proximal 0.5·(0.5, 1) = (0.25, 0.5),
        //         intercept 0.5·1.5 = 0.75. g_w = (0.25, −0.25), g_b = 0: w = (0.375, 1.125), b = 1.5.
        var data = new Dataset([1, 0, 0, 1], 2, 2, [2, 4]);

        var result = LinearRegression.Train(data, TwoSteps(0.5f));

        Assert.Equal([1.5f, 0.375f, 1.125f], result.Weights[LinearRegressionModel.WeightsKey]);
        var plain = LinearRegression.Train(data, TwoSteps(0f));
        Assert.Equal([1.875f, 0.5f, 1.375f], plain.Weights[LinearRegressionModel.WeightsKey]);
    }

    [Fact]
    public void The_term_adds_to_alpha_rather_than_replacing_it()
    {
        // As the first test with alpha = 0.5 too (coefficients only). Step 1 adds alpha·w = 0.5·(1, 1) to g_w:
        // g_w = (−0.5, 0.5), g_b = −1: w = (1.25, 0.75), b = 1.5.
        // Step 2: ŷ = (2.75, 2.25), errors (−1.25, 0.25): data g_w = (−0.625, 0.125), g_b = −0.5;
        //         alpha: 0.5·(1.25, 0.75) = (0.625, 0.375); proximal: 0.5·(0.25, −0.25) = (0.125, −0.125), intercept 0.25.
        //         g_w = (0.125, 0.375), g_b = −0.25: w = (1.1875, 0.5625), b = 1.625.
        var result = LinearRegression.Train(TwoRows, TwoSteps(0.5f) with { Alpha = 0.5f }, Global);

        Assert.Equal([1.625f, 1.1875f, 0.5625f], result.Weights[LinearRegressionModel.WeightsKey]);
    }

    [Fact]
    public void A_large_mu_keeps_diabetes_weights_closer_to_the_global_model()
    {
        // Non-IID split: the global model learned the older half, the client trains on the younger half only.
        var diabetes = ModelTestData.Load("diabetes.csv");
        var older = Enumerable.Range(0, diabetes.Rows).Where(r => diabetes.Row(r)[0] >= 0).ToArray();
        var younger = Enumerable.Range(0, diabetes.Rows).Where(r => diabetes.Row(r)[0] < 0).ToArray();
        var options = new LinearRegressionOptions { Epochs = 50, LearningRate = 0.5f, BatchSize = 32, Seed = 4 };
        var global = LinearRegression.Train(diabetes.Subset(older), options).Weights;
        var local = diabetes.Subset(younger);

        var plain = LinearRegression.Train(local, options, global);
        var proximal = LinearRegression.Train(local, options with { ProximalMu = 1f }, global);

        var plainDistance = Distance(plain.Weights, global);
        var proximalDistance = Distance(proximal.Weights, global);
        Assert.True(proximalDistance < plainDistance, $"μ = 1 moved {proximalDistance}, μ = 0 moved {plainDistance}");
        Assert.True(proximalDistance > 0, "the client still trains");
        // The reported loss stays the data loss, comparable with plain training's.
        Assert.Equal(proximal.Model.Evaluate(local).Loss, proximal.Loss);
    }

    [Fact]
    public void Mu_zero_is_bit_identical_to_not_setting_it()
    {
        var diabetes = ModelTestData.Load("diabetes.csv");
        const string train = """{"epochs": 20, "learning_rate": 0.5, "batch_size": 16, "seed": 9, "alpha": 0.01""";
        var unset = LinearRegressionOptions.FromJson(Json(train + "}"), null);
        var zero = LinearRegressionOptions.FromJson(Json(train + """, "proximal_mu": 0}"""), null);
        var global = new Dictionary<string, float[]> { [LinearRegressionModel.WeightsKey] = [100, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5] };

        var a = LinearRegression.Train(diabetes, unset, global);
        var b = LinearRegression.Train(diabetes, zero, global);
        var c = LinearRegression.Train(diabetes, unset with { ProximalMu = 0f }, global);

        Assert.Equal(0f, zero.ProximalMu);
        Assert.Equal(a.Weights[LinearRegressionModel.WeightsKey], b.Weights[LinearRegressionModel.WeightsKey]);
        Assert.Equal(a.Weights[LinearRegressionModel.WeightsKey], c.Weights[LinearRegressionModel.WeightsKey]);
        Assert.Equal(a.LossHistory, b.LossHistory);
        // And μ > 0 does change them, so the comparison above can fail.
        var d = LinearRegression.Train(diabetes, unset with { ProximalMu = 0.1f }, global);
        Assert.NotEqual(a.Weights[LinearRegressionModel.WeightsKey], d.Weights[LinearRegressionModel.WeightsKey]);
    }

    [Fact]
    public void Proximal_mu_is_read_from_train_config()
    {
        var options = LinearRegressionOptions.FromJson(
            Json("""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32, "seed": 7, "proximal_mu": 0.25}"""), null);

        Assert.Equal(0.25f, options.ProximalMu);
    }

    [Theory]
    [InlineData("-1", "proximal_mu must be zero or positive, got -1")]
    [InlineData("-0.001", "proximal_mu must be zero or positive")]
    [InlineData("\"abc\"", "proximal_mu must be a number")]
    [InlineData("\"NaN\"", "proximal_mu must be a number")]
    [InlineData("true", "proximal_mu must be a number")]
    [InlineData("[1]", "proximal_mu must be a number")]
    [InlineData("1e39", "proximal_mu must be zero or positive")]
    [InlineData("1e400", "proximal_mu must be a number")]
    public void A_bad_proximal_mu_is_named(string value, string message)
    {
        var train = Json($$"""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32, "seed": 7, "proximal_mu": {{value}}}""");

        var error = Assert.Throws<ModelConfigException>(() => LinearRegressionOptions.FromJson(train, null));

        Assert.Equal("proximal_mu", error.Field);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-1f)]
    public void Options_built_in_code_are_checked_before_training(float mu)
    {
        var error = Assert.Throws<ModelConfigException>(() => LinearRegression.Train(TwoRows, TwoSteps(mu)));

        Assert.Equal("proximal_mu", error.Field);
    }

    private static double Distance(IReadOnlyDictionary<string, float[]> a, IReadOnlyDictionary<string, float[]> b) =>
        Math.Sqrt(a.Sum(pair => pair.Value.Zip(b[pair.Key], (x, y) => ((double)x - y) * ((double)x - y)).Sum()));
}
