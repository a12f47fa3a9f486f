using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Models;
using Parity.Tests.Learning.Models;

namespace Parity.Tests.Learning;

public sealed class FedProxMlpTests
{
    private const float LearningRate = 0.1f;
    private const float Mu = 2f;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static MlpOptions Regressor(int batchSize) => new()
    {
        Task = MlpTask.Regression,
        HiddenSizes = [4],
        Activation = Activation.Tanh,
        Epochs = 1,
        LearningRate = LearningRate,
        BatchSize = batchSize,
        Seed = 11,
        Threads = 1,
    };

    /// <summary>
    /// A global model that is not the seeded initialisation, with non-zero biases, trained on another client's target
    /// so that the first local step moves every array (the output bias included) well above rounding.
    /// </summary>
    private static IReadOnlyDictionary<string, float[]> GlobalFor(Dataset data, MlpOptions options) =>
        new MlpTrainer(options with { Epochs = 3, Seed = 77, Momentum = 0, Nesterov = false, ProximalMu = 0 })
            .Train(ModelTestData.Generate(data.Rows, data.Columns, seed: 99, x => 1 - x[0])).Weights;

    // One full-batch step per epoch. Step 1 starts at the anchor, where the proximal gradient is zero, so both runs
    // reach the same w₁. Step 2 evaluates the same data gradient g at w₁ in both runs, and the proximal run adds
    // μ·(w₁ − w_g) to it. Plain SGD and heavy-ball momentum (velocity from step 1 identical) then differ by
    // −η·μ·(w₁ − w_g); Nesterov's step applies the gradient twice (through v and directly), so by −η·μ·(w₁ − w_g)·(1 + m).
    // Dropping the term gives a difference of 0, flipping its sign the opposite difference, anchoring to zero or to the
    // seeded initialisation another one; all fail the per-value check below. 160 rows take the two-halves batch path.
    [Theory]
    [InlineData(16, 0f, false)]
    [InlineData(160, 0f, false)]
    [InlineData(16, 0.5f, false)]
    [InlineData(160, 0.5f, true)]
    public void The_second_sgd_step_differs_by_the_proximal_gradient(int rows, float momentum, bool nesterov)
    {
        var data = ModelTestData.Generate(rows, 3, seed: 5, x => MathF.Sin(2 * x[0]) + x[1] * x[2]);
        var options = Regressor(batchSize: rows) with { Momentum = momentum, Nesterov = nesterov };
        var global = GlobalFor(data, options);

        var afterOne = new MlpTrainer(options).Train(data, global).Weights;
        var plain = new MlpTrainer(options with { Epochs = 2 }).Train(data, global).Weights;
        var proximal = new MlpTrainer(options with { Epochs = 2, ProximalMu = Mu }).Train(data, global).Weights;

        var factor = nesterov ? 1 + momentum : 1;
        Assert.Equal(global.Keys.Order(), proximal.Keys.Order());
        foreach (var (key, values) in proximal)
        {
            var largest = 0.0;
            for (var i = 0; i < values.Length; i++)
            {
                var expected = -LearningRate * Mu * factor * ((double)afterOne[key][i] - global[key][i]);
                var actual = (double)values[i] - plain[key][i];
                Assert.True(Math.Abs(actual - expected) <= 2e-6,
                    $"{key}[{i}]: the proximal run differs by {actual}, expected {expected}");
                largest = Math.Max(largest, Math.Abs(expected));
            }
            // Every array, biases included, moved enough in step 1 for the term to show well above rounding.
            Assert.True(largest > 1e-4, $"{key}: largest expected difference {largest}");
        }
    }

    [Fact]
    public void Without_a_global_model_the_term_anchors_to_the_seeded_initialisation()
    {
        var data = ModelTestData.Generate(32, 3, seed: 6, x => x[0] - 2 * x[1] * x[2]);
        var options = Regressor(batchSize: 8) with { Epochs = 5, ProximalMu = Mu, Optimizer = OptimizerKind.Adam };
        var initial = MlpModel.Create(MlpTask.Regression, 3, [4], 1, Activation.Tanh, options.Seed).GetWeights();

        var firstRound = new MlpTrainer(options).Train(data).Weights;
        var anchoredExplicitly = new MlpTrainer(options).Train(data, initial).Weights;

        foreach (var (key, values) in firstRound) Assert.Equal(anchoredExplicitly[key], values);
        // And the term did act: plain training from the same start ends elsewhere.
        var plain = new MlpTrainer(options with { ProximalMu = 0 }).Train(data).Weights;
        Assert.Contains(plain, pair => !pair.Value.SequenceEqual(firstRound[pair.Key]));
    }

    public static TheoryData<OptimizerKind, float, bool> Optimizers => new()
    {
        { OptimizerKind.Sgd, 0f, false },
        { OptimizerKind.Sgd, 0.9f, false },
        { OptimizerKind.Sgd, 0.9f, true },
        { OptimizerKind.Adam, 0f, false },
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_large_mu_keeps_iris_weights_closer_to_the_global_model(OptimizerKind optimizer, float momentum, bool nesterov)
    {
        // Non-IID client: the global model saw all three classes, the client holds only setosa and versicolor.
        var iris = ModelTestData.Load("iris.csv");
        var options = new MlpOptions
        {
            Task = MlpTask.Classification, HiddenSizes = [8], Epochs = 20, LearningRate = 0.02f, BatchSize = 16, Seed = 3,
            ClassCount = 3, Optimizer = optimizer, Momentum = momentum, Nesterov = nesterov, Threads = 1,
        };
        var global = new MlpTrainer(options with { Optimizer = OptimizerKind.Adam, Momentum = 0, Nesterov = false })
            .Train(iris).Weights;
        var client = iris.Subset(Enumerable.Range(0, iris.Rows).Where(r => iris.Label(r) < 2).ToArray());

        var plain = new MlpTrainer(options).Train(client, global);
        var proximal = new MlpTrainer(options with { ProximalMu = 1f }).Train(client, global);

        var plainDistance = Distance(plain.Weights, global);
        var proximalDistance = Distance(proximal.Weights, global);
        Assert.True(proximalDistance < plainDistance, $"μ = 1 moved {proximalDistance}, μ = 0 moved {plainDistance}");
        Assert.True(proximalDistance > 0, "the client still trains");
        // The reported loss is the data loss of the trained model, without the proximal term.
        Assert.Equal(proximal.Model.Evaluate(client).Loss, proximal.Loss);
    }

    [Fact]
    public void Mu_zero_is_bit_identical_to_not_setting_it()
    {
        var iris = ModelTestData.Load("iris.csv");
        const string train = """{"epochs": 15, "learning_rate": 0.05, "batch_size": 16, "seed": 9, "optimizer": "sgd", "momentum": 0.8""";
        var model = Json("""{"hidden_size": 6, "activation": "tanh"}""");
        var unset = MlpOptions.FromJson(Json(train + "}"), model);
        var zero = MlpOptions.FromJson(Json(train + """, "proximal_mu": 0.0}"""), model);
        var global = new MlpTrainer(unset with { Seed = 1, Epochs = 2 }).Train(iris).Weights;

        var a = new MlpTrainer(unset).Train(iris, global);
        var b = new MlpTrainer(zero).Train(iris, global);
        var fresh = new MlpTrainer(unset with { ProximalMu = 0f }).Train(iris);
        var freshUnset = new MlpTrainer(unset).Train(iris);

        Assert.Equal(0f, zero.ProximalMu);
        foreach (var (key, values) in a.Weights) Assert.Equal(values, b.Weights[key]);
        foreach (var (key, values) in freshUnset.Weights) Assert.Equal(values, fresh.Weights[key]);
        Assert.Equal(a.LossHistory, b.LossHistory);
        // And μ > 0 does change them, so the comparison above can fail.
        var c = new MlpTrainer(unset with { ProximalMu = 0.1f }).Train(iris, global);
        Assert.Contains(c.Weights, pair => !pair.Value.SequenceEqual(a.Weights[pair.Key]));
    }

    [Fact]
    public void Proximal_mu_is_read_from_train_config()
    {
        var options = MlpOptions.FromJson(
            Json("""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32, "seed": 7, "proximal_mu": 0.01}"""),
            Json("""{"hidden_size": 8}"""));

        Assert.Equal(0.01f, options.ProximalMu);
    }

    [Theory]
    [InlineData("-1", "proximal_mu must be zero or positive, got -1")]
    [InlineData("-0.001", "proximal_mu must be zero or positive")]
    [InlineData("\"abc\"", "proximal_mu must be a number")]
    [InlineData("\"NaN\"", "proximal_mu must be a number")]
    [InlineData("false", "proximal_mu must be a number")]
    [InlineData("{}", "proximal_mu must be a number")]
    [InlineData("1e39", "proximal_mu must be zero or positive")]
    [InlineData("1e400", "proximal_mu must be a number")]
    public void A_bad_proximal_mu_is_named(string value, string message)
    {
        var train = Json($$"""{"epochs": 5, "learning_rate": 0.01, "batch_size": 32, "seed": 7, "proximal_mu": {{value}}}""");

        var error = Assert.Throws<ModelConfigException>(() => MlpOptions.FromJson(train, Json("""{"hidden_size": 8}""")));

        Assert.Equal("proximal_mu", error.Field);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-0.5f)]
    public void Options_built_in_code_are_checked_by_the_trainer(float mu)
    {
        var error = Assert.Throws<ModelConfigException>(() => new MlpTrainer(Regressor(4) with { ProximalMu = mu }));

        Assert.Equal("proximal_mu", error.Field);
    }

    private static double Distance(IReadOnlyDictionary<string, float[]> a, IReadOnlyDictionary<string, float[]> b) =>
        Math.Sqrt(a.Sum(pair => pair.Value.Zip(b[pair.Key], (x, y) => ((double)x - y) * ((double)x - y)).Sum()));
}
