using Parity.Learning.Data;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

public sealed class LinearRegressionTests
{
    private static readonly Dataset Line = new([1, 2, 3, 4], 4, 1, [6, 5, 7, 10]);

    private static LinearRegressionOptions Options(int epochs = 200, float learningRate = 0.1f, int batchSize = 16) => new()
    {
        Epochs = epochs, LearningRate = learningRate, BatchSize = batchSize, Seed = 3,
    };

    [Fact]
    public void Exact_least_squares_on_a_hand_example()
    {
        // x̄ = 2.5, ȳ = 7, Sxx = 5, Sxy = 7: slope 7/5, intercept 7 − 2.5 · 1.4.
        var model = LinearRegression.SolveExact(Line);

        Assert.Equal(1.4f, model.Coefficients[0], 5);
        Assert.Equal(3.5f, model.Intercept, 5);
        // Residuals 1.1, −1.3, −0.7, 0.9: SSE 4.2 of SST 14.
        var evaluation = model.Evaluate(Line);
        Assert.Equal(4.2 / 4, evaluation.MeanSquaredError!.Value, 5);
        Assert.Equal(0.5 * 4.2 / 4, evaluation.Loss, 5);
        Assert.Equal(0.7, evaluation.RSquared!.Value, 5);
    }

    [Fact]
    public void Exact_ridge_penalises_the_slope_but_not_the_intercept()
    {
        // (Sxx + n·alpha) w = Sxy: (5 + 4 · 0.25) w = 7, so w = 7/6 and b = ȳ − x̄ w = 7 − 2.5 · 7/6.
        var model = LinearRegression.SolveExact(Line, alpha: 0.25);

        Assert.Equal(7f / 6, model.Coefficients[0], 5);
        Assert.Equal(7f - 2.5f * 7 / 6, model.Intercept, 5);
    }

    [Fact]
    public void Exact_solve_recovers_noise_free_coefficients()
    {
        float[] w = [1.5f, -2f, 0.25f, 3f, -0.75f];
        var data = ModelTestData.Generate(200, 5, seed: 1, x => 4f + x.Zip(w, (a, b) => a * b).Sum());

        var model = LinearRegression.SolveExact(data);

        for (var j = 0; j < w.Length; j++) Assert.Equal(w[j], model.Coefficients[j], 4);
        Assert.Equal(4f, model.Intercept, 4);
        Assert.True(model.Evaluate(data).RSquared > 0.999999);
    }

    [Fact]
    public void Gradient_descent_converges_to_the_exact_solution()
    {
        var noise = new Parity.Learning.Partitioning.SeededRandom(9);
        var data = ModelTestData.Generate(300, 3, seed: 2, x => 1f + 2 * x[0] - x[1] + 0.5f * x[2] + 0.1f * (float)noise.NextNormal());
        var exact = LinearRegression.SolveExact(data);

        var result = LinearRegression.Train(data, Options(epochs: 300));

        for (var j = 0; j < 3; j++) Assert.Equal(exact.Coefficients[j], result.Model.Coefficients[j], 2);
        Assert.Equal(exact.Intercept, result.Model.Intercept, 2);
        Assert.Equal(exact.Evaluate(data).Loss, result.Loss, 3);
        Assert.True(result.LossHistory[^1] < result.LossHistory[1] && result.LossHistory[1] < result.LossHistory[0]);
    }

    [Fact]
    public void Gradient_descent_with_alpha_converges_to_the_exact_ridge_solution()
    {
        var data = ModelTestData.Generate(300, 3, seed: 4, x => 2 * x[0] - x[1] + 0.5f * x[2] - 1);
        var ridge = LinearRegression.SolveExact(data, alpha: 0.5);
        var plain = LinearRegression.SolveExact(data);

        // Whole-data batches: plain gradient descent, without the minibatch noise around the optimum.
        var result = LinearRegression.Train(data, Options(epochs: 300, learningRate: 0.5f, batchSize: 300) with { Alpha = 0.5f });

        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(ridge.Coefficients[j], result.Model.Coefficients[j], 2);
            Assert.True(Math.Abs(ridge.Coefficients[j]) < Math.Abs(plain.Coefficients[j]));
        }
        Assert.Equal(ridge.Intercept, result.Model.Intercept, 2);
    }

    [Fact]
    public void Diabetes_gradient_descent_gets_close_to_the_exact_r_squared()
    {
        var diabetes = ModelTestData.Load("diabetes.csv");
        var exact = LinearRegression.SolveExact(diabetes).Evaluate(diabetes).RSquared!.Value;

        var result = LinearRegression.Train(diabetes, Options(epochs: 1000, learningRate: 1f, batchSize: 32));

        // scikit-learn's LinearRegression on the whole set: R² 0.5177.
        Assert.Equal(0.5177, exact, 3);
        Assert.True(Math.Abs(result.RSquared!.Value - exact) < 0.01, $"gradient descent R² {result.RSquared}, exact {exact}");
        Assert.Equal(diabetes.Rows, result.SampleCount);
    }

    [Fact]
    public void Collinear_features_need_alpha_for_the_exact_solve()
    {
        var data = ModelTestData.Generate(50, 2, seed: 5, x => x[0]);
        var features = data.Features.ToArray();
        for (var r = 0; r < data.Rows; r++) features[r * 2 + 1] = 2 * features[r * 2];
        var collinear = new Dataset(features, data.Rows, 2, data.Labels.ToArray());

        var error = Assert.Throws<ModelConfigException>(() => LinearRegression.SolveExact(collinear));
        Assert.Contains("feature 1", error.Message);
        Assert.True(LinearRegression.SolveExact(collinear, alpha: 0.01).Evaluate(collinear).RSquared > 0.99);
    }

    [Fact]
    public void Weights_are_sent_as_intercept_then_coefficients()
    {
        var model = LinearRegression.SolveExact(Line);
        var weights = model.GetWeights();

        Assert.Equal(["linear_weights"], weights.Keys);
        Assert.Equal([model.Intercept, model.Coefficients[0]], weights["linear_weights"]);
    }

    [Fact]
    public void Warm_start_begins_at_the_given_model_and_reports_the_update()
    {
        var global = new Dictionary<string, float[]> { ["linear_weights"] = [2f, 0.5f] };

        var result = LinearRegression.Train(Line, Options(epochs: 50, learningRate: 0.05f), global);

        var given = LinearRegressionModel.FromWeights(global, 1);
        Assert.Equal(given.Evaluate(Line).Loss, result.LossHistory[0]);
        Assert.True(result.Loss < result.LossHistory[0]);
        Assert.Equal(result.Weights["linear_weights"].Zip(global["linear_weights"], (a, b) => a - b), result.Gradients["linear_weights"]);
    }

    [Fact]
    public void Given_weights_of_the_wrong_shape_are_rejected()
    {
        var tooShort = Assert.Throws<ModelConfigException>(() =>
            LinearRegression.Train(Line, Options(), new Dictionary<string, float[]> { ["linear_weights"] = [1f] }));
        Assert.Contains("has 1 values, expected 2", tooShort.Message);

        var missing = Assert.Throws<ModelConfigException>(() =>
            LinearRegression.Train(Line, Options(), new Dictionary<string, float[]> { ["hidden_bias"] = [1f, 2f] }));
        Assert.Equal("linear_weights", missing.Field);
    }

    [Fact]
    public void A_learning_rate_that_diverges_stops_with_the_epoch_and_batch()
    {
        var data = ModelTestData.Generate(64, 2, seed: 6, x => 100 * x[0] + 50 * x[1]);
        var large = new Dataset(data.Features.ToArray().Select(v => 40 * v).ToArray(), 64, 2, data.Labels.ToArray());

        var error = Assert.Throws<TrainingDivergedException>(() => LinearRegression.Train(large, Options(learningRate: 1f, batchSize: 8)));

        Assert.InRange(error.Epoch, 1, 200);
        Assert.Contains($"epoch {error.Epoch} of 200", error.Message);
        if (error.Batch > 0) Assert.Contains($"batch {error.Batch} of 8", error.Message);
    }

    [Fact]
    public void Same_seed_gives_identical_weights_and_invalid_options_are_rejected()
    {
        var diabetes = ModelTestData.Load("diabetes.csv");
        var a = LinearRegression.Train(diabetes, Options(epochs: 20));
        var b = LinearRegression.Train(diabetes, Options(epochs: 20));
        Assert.Equal(a.Weights["linear_weights"], b.Weights["linear_weights"]);

        Assert.Equal("learning_rate", Assert.Throws<ModelConfigException>(() => LinearRegression.Train(diabetes, Options(learningRate: 2f))).Field);
        Assert.Equal("batch_size", Assert.Throws<ModelConfigException>(() => LinearRegression.Train(diabetes, Options(batchSize: 0))).Field);
        Assert.Equal("epochs", Assert.Throws<ModelConfigException>(() => LinearRegression.Train(diabetes, Options(epochs: 0))).Field);
    }
}
