using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

/// <summary>
/// Linear regression's options at their edges, its exact solve against hand-solved systems, and its gradient descent's
/// reported objective, cancellation and divergence. Written for the survivors of the models room's mutation run
/// (docs/testing.md).
/// </summary>
public sealed class LinearRegressionOptionsTests
{
    private const string Train = """{"epochs": 2, "learning_rate": 0.01, "batch_size": 16, "seed": 1}""";

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static LinearRegressionOptions Parse(string train, string? model = null) =>
        LinearRegressionOptions.FromJson(Json(train), model is null ? null : Json(model));

    private static readonly LinearRegressionOptions Valid = new() { Epochs = 1, LearningRate = 0.1f, BatchSize = 4, Seed = 1 };

    [Theory]
    [InlineData("[]", null, "train_config", "train_config must be a JSON object")]
    [InlineData("""{"learning_rate": 0.01, "batch_size": 16, "seed": 1}""", null, "epochs", "epochs")]
    [InlineData("""{"epochs": 2, "batch_size": 16, "seed": 1}""", null, "learning_rate", "learning_rate")]
    [InlineData("""{"epochs": 2, "learning_rate": 0.01, "seed": 1}""", null, "batch_size", "batch_size")]
    [InlineData("""{"epochs": 2, "learning_rate": 0.01, "batch_size": 16}""", null, "seed", "seed")]
    [InlineData("""{"epochs": 2, "learning_rate": 0.01, "batch_size": 16, "seed": 1, "momentum": 0.9}""", null, "momentum", "train_config has no key momentum")]
    [InlineData(Train, """{"hidden_size": 4}""", "hidden_size", "model_config has no key hidden_size; its keys are input_size, fit_intercept")]
    [InlineData(Train, """{"fit_intercept": false}""", "fit_intercept", "fit_intercept must be true")]
    public void A_config_missing_or_carrying_the_wrong_key_is_refused_naming_it(string train, string? model, string field, string message)
    {
        var error = Assert.Throws<ModelConfigException>(() => Parse(train, model));

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void The_reference_runners_model_keys_and_every_optional_key_are_read_or_accepted()
    {
        var options = Parse("""{"epochs": 2, "learning_rate": 0.01, "batch_size": 16, "seed": 1, "alpha": 0.3, "proximal_mu": 0.2}""",
            """{"input_size": 3, "fit_intercept": true, "output_size": 1, "model_type": "linear_regression"}""");

        Assert.Equal((0.3f, 0.2f, (int?)3), (options.Alpha, options.ProximalMu, options.InputSize));
        Assert.Equal(0f, Parse(Train).Alpha);
    }

    public static TheoryData<string, Func<LinearRegressionOptions, LinearRegressionOptions>, string?> Edges => new()
    {
        { "one epoch", o => o with { Epochs = 1 }, null },
        { "no epoch", o => o with { Epochs = 0 }, "epochs" },
        { "most epochs", o => o with { Epochs = MlpOptions.MaxEpochs }, null },
        { "too many epochs", o => o with { Epochs = MlpOptions.MaxEpochs + 1 }, "epochs" },
        { "tiny learning rate", o => o with { LearningRate = float.Epsilon }, null },
        { "no learning rate", o => o with { LearningRate = 0f }, "learning_rate" },
        { "largest learning rate", o => o with { LearningRate = MlpOptions.MaxLearningRate }, null },
        { "learning rate over", o => o with { LearningRate = MlpOptions.MaxLearningRate * 1.01f }, "learning_rate" },
        { "batch of one", o => o with { BatchSize = 1 }, null },
        { "batch of none", o => o with { BatchSize = 0 }, "batch_size" },
        { "no alpha", o => o with { Alpha = 0f }, null },
        { "negative alpha", o => o with { Alpha = -0.1f }, "alpha" },
        { "NaN alpha", o => o with { Alpha = float.NaN }, "alpha" },
        { "infinite alpha", o => o with { Alpha = float.PositiveInfinity }, "alpha" },
        { "one input", o => o with { InputSize = 1 }, null },
        { "no input", o => o with { InputSize = 0 }, "input_size" },
    };

    [Theory]
    [MemberData(nameof(Edges))]
    public void Each_bound_holds_at_its_edge(string edge, Func<LinearRegressionOptions, LinearRegressionOptions> change, string? refusedField)
    {
        var options = change(Valid);

        if (refusedField is null)
        {
            options.Validate();
            return;
        }
        var error = Assert.Throws<ModelConfigException>(options.Validate);
        Assert.True(refusedField == error.Field, $"{edge}: refused naming {error.Field}, not {refusedField}");
        Assert.Contains($"{refusedField} must be", error.Message);
    }

    [Fact]
    public void A_model_needs_a_coefficient()
    {
        Assert.Throws<ArgumentException>(() => new LinearRegressionModel(1f, ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void The_exact_solve_of_one_feature_is_the_hand_solved_line()
    {
        // x = 1, 2, 3 and y = 2, 4, 6: centred, Sxx = 2 and Sxy = 4, so w = 2 and b = ȳ − w·x̄ = 0.
        var data = new Dataset([1f, 2f, 3f], 3, 1, [2f, 4f, 6f]);

        var plain = LinearRegression.SolveExact(data);
        Assert.Equal(2f, plain.Coefficients[0], 5);
        Assert.Equal(0f, plain.Intercept, 5);

        // With alpha = 1 the normal equation is (Sxx + n·alpha) w = Sxy: w = 4 / 5, b = 4 − 0.8 · 2.
        var ridge = LinearRegression.SolveExact(data, alpha: 1);
        Assert.Equal(0.8f, ridge.Coefficients[0], 5);
        Assert.Equal(2.4f, ridge.Intercept, 5);
    }

    [Fact]
    public void The_exact_solve_of_three_features_recovers_the_plane_that_made_the_labels()
    {
        // y = 1 + 2·x1 − x2 + 0.5·x3 on rows that are not collinear: three pivots, each with the ones before it.
        float[][] rows = [[1, 1, 0], [2, 0, 1], [3, 1, 4], [4, 3, 1], [5, 2, 2], [0, 4, 3]];
        var data = new Dataset(rows.SelectMany(r => r).ToArray(), rows.Length, 3, rows.Select(r => 1 + 2 * r[0] - r[1] + 0.5f * r[2]).ToArray());

        var model = LinearRegression.SolveExact(data);

        Assert.Equal([2f, -1f, 0.5f], model.Coefficients.ToArray().Select(c => MathF.Round(c, 4)));
        Assert.Equal(1f, model.Intercept, 4);
    }

    [Fact]
    public void A_constant_feature_without_alpha_has_no_exact_solve_and_says_why()
    {
        var data = new Dataset([1f, 3f, 1f, 5f, 1f, 7f], 3, 2, [1f, 2f, 3f]);

        var error = Assert.Throws<ModelConfigException>(() => LinearRegression.SolveExact(data));

        Assert.Equal("alpha", error.Field);
        Assert.Contains("the exact solve needs alpha > 0", error.Message);
        // With alpha the system is positive definite and the solve goes through.
        Assert.Equal(2, LinearRegression.SolveExact(data, alpha: 0.1).FeatureCount);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void The_exact_solve_refuses_an_alpha_that_is_not_zero_or_positive(double alpha)
    {
        var data = new Dataset([1f, 2f, 3f], 3, 1, [2f, 4f, 6f]);

        Assert.Equal("alpha", Assert.Throws<ModelConfigException>(() => LinearRegression.SolveExact(data, alpha)).Field);
    }

    [Fact]
    public void The_reported_loss_is_the_penalised_objective_of_the_returned_model()
    {
        var data = new Dataset([1f, 2f, 3f, 4f], 4, 1, [3f, 5f, 7f, 9f]);
        var options = Valid with { Epochs = 5, Alpha = 0.5f };

        var result = LinearRegression.Train(data, options);

        // 1/(2n) Σ (y − ŷ)² + alpha/2 · ‖w‖², from the model as returned.
        var model = result.Model;
        var squared = Enumerable.Range(0, 4).Sum(r => Math.Pow(data.Label(r) - model.Predict(data.Row(r)), 2));
        var expected = squared / 8 + 0.25 * model.Coefficients[0] * model.Coefficients[0];
        Assert.Equal(expected, result.Loss, 4);
        Assert.Equal(6, result.LossHistory.Count);
    }

    [Fact]
    public void Training_stops_when_cancelled()
    {
        var data = new Dataset([1f, 2f, 3f, 4f], 4, 1, [3f, 5f, 7f, 9f]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => LinearRegression.Train(data, Valid, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void Weights_that_grow_past_float_are_reported_as_divergence_not_returned()
    {
        // Features near float's limit and the largest learning rate: the first step overflows the weights.
        var data = new Dataset([3e37f, -3e37f, 3e37f, -3e37f], 4, 1, [1f, -1f, 1f, -1f]);

        Assert.Throws<TrainingDivergedException>(() => LinearRegression.Train(data, Valid with { LearningRate = 1f, Epochs = 3 }));
    }
}
