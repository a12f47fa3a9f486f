using Parity.Learning.Data;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

public sealed class MlpTrainerTests
{
    private static MlpOptions Classifier(int hidden = 16) => new()
    {
        Task = MlpTask.Classification,
        HiddenSizes = [hidden],
        Epochs = 20,
        LearningRate = 0.01f,
        BatchSize = 16,
        Seed = 5,
        Optimizer = OptimizerKind.Adam,
    };

    [Fact]
    public void Iris_reaches_at_least_90_percent_on_held_out_rows()
    {
        var (train, test) = ModelTestData.Split(ModelTestData.Load("iris.csv"), seed: 42);
        var result = new MlpTrainer(Classifier(32) with { Epochs = 200 }).Train(train);

        var accuracy = result.Model.Evaluate(test).Accuracy!.Value;

        Assert.True(accuracy >= 0.9, $"held-out accuracy {accuracy}");
        Assert.Equal(train.Rows, result.SampleCount);
    }

    [Fact]
    public void Digits_reach_at_least_93_percent_on_held_out_rows()
    {
        var (train, test) = ModelTestData.Split(ModelTestData.Load("digits.csv"), seed: 42);
        var options = Classifier(64) with { Epochs = 100, BatchSize = 200, LearningRate = 0.001f };
        var result = new MlpTrainer(options).Train(train);

        var accuracy = result.Model.Evaluate(test).Accuracy!.Value;

        Assert.True(accuracy >= 0.93, $"held-out accuracy {accuracy}");
        Assert.True(result.Accuracy >= accuracy - 0.05, $"training accuracy {result.Accuracy}");
        Assert.Equal(result.Model.Classify(test.Features, test.Rows).Zip(test.Labels.ToArray()).Count(p => p.First == p.Second),
            (int)Math.Round(accuracy * test.Rows));
    }

    [Fact]
    public void Xor_is_learned_by_a_small_tanh_network()
    {
        var xor = new Dataset([0, 0, 0, 1, 1, 0, 1, 1], 4, 2, [0, 1, 1, 0]);
        var options = Classifier(8) with { Activation = Activation.Tanh, Epochs = 500, BatchSize = 4, LearningRate = 0.05f };

        var result = new MlpTrainer(options).Train(xor);

        Assert.Equal([0, 1, 1, 0], result.Model.Classify(xor.Features, 4));
        Assert.Equal(1.0, result.Accuracy);
        Assert.True(result.Loss < 0.1, $"loss {result.Loss}");
    }

    [Fact]
    public void Regression_fits_a_smooth_function_of_two_inputs()
    {
        static float Target(float[] x) => MathF.Sin(2 * x[0]) + 0.5f * x[1] * x[1];
        var train = ModelTestData.Generate(400, 2, seed: 1, Target);
        var test = ModelTestData.Generate(200, 2, seed: 2, Target);
        var options = new MlpOptions
        {
            Task = MlpTask.Regression, HiddenSizes = [32], Activation = Activation.Tanh, Epochs = 300, BatchSize = 32,
            LearningRate = 0.01f, Seed = 3, Optimizer = OptimizerKind.Adam,
        };

        var result = new MlpTrainer(options).Train(train);
        var evaluation = result.Model.Evaluate(test);

        Assert.Null(result.Accuracy);
        Assert.True(evaluation.RSquared > 0.97, $"held-out R² {evaluation.RSquared}");
        Assert.Equal(2 * evaluation.Loss, evaluation.MeanSquaredError!.Value, 12);
        var predictions = result.Model.Predict(test.Features, test.Rows);
        Assert.Equal(test.Rows, predictions.Length);
    }

    public static TheoryData<OptimizerKind, float, bool, float> Optimizers => new()
    {
        { OptimizerKind.Sgd, 0f, false, 0.05f },
        { OptimizerKind.Sgd, 0.9f, false, 0.01f },
        { OptimizerKind.Sgd, 0.9f, true, 0.01f },
        { OptimizerKind.Adam, 0f, false, 0.01f },
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Every_optimizer_reduces_the_loss(OptimizerKind optimizer, float momentum, bool nesterov, float learningRate)
    {
        var iris = ModelTestData.Load("iris.csv");
        var options = Classifier() with
        {
            Optimizer = optimizer, Momentum = momentum, Nesterov = nesterov, LearningRate = learningRate, Epochs = 30,
        };

        var history = new MlpTrainer(options).Train(iris).LossHistory;

        Assert.Equal(31, history.Count);
        Assert.True(history[^1] < 0.6 * history[0], $"loss went from {history[0]} to {history[^1]}");
    }

    [Fact]
    public void Momentum_changes_the_trajectory()
    {
        var iris = ModelTestData.Load("iris.csv");
        var plain = new MlpTrainer(Classifier() with { Optimizer = OptimizerKind.Sgd }).Train(iris);
        var heavy = new MlpTrainer(Classifier() with { Optimizer = OptimizerKind.Sgd, Momentum = 0.9f }).Train(iris);
        var nesterov = new MlpTrainer(Classifier() with { Optimizer = OptimizerKind.Sgd, Momentum = 0.9f, Nesterov = true }).Train(iris);

        Assert.Equal(plain.LossHistory[0], heavy.LossHistory[0]);
        Assert.True(heavy.Loss < plain.Loss, $"momentum {heavy.Loss} vs plain {plain.Loss}");
        Assert.NotEqual(heavy.Weights["hidden_bias"], nesterov.Weights["hidden_bias"]);
    }

    [Fact]
    public void Alpha_shrinks_the_weights_and_enters_the_reported_loss()
    {
        // Regression test for the reference trainer, where the L2 setting had no effect.
        var iris = ModelTestData.Load("iris.csv");
        var without = new MlpTrainer(Classifier()).Train(iris);
        var with = new MlpTrainer(Classifier() with { Alpha = 0.05f }).Train(iris);

        static bool IsWeight(string key) => key.EndsWith("_weights", StringComparison.Ordinal);
        var normWithout = ModelTestData.SquaredNorm(without.Weights, IsWeight);
        var normWith = ModelTestData.SquaredNorm(with.Weights, IsWeight);
        Assert.True(normWith < 0.8 * normWithout, $"‖W‖² {normWith} with alpha vs {normWithout} without");
        // The objective includes alpha/2 · ‖W‖², so it exceeds the plain loss of the same model.
        var plainLoss = with.Model.Evaluate(iris).Loss;
        Assert.Equal(plainLoss + 0.5 * 0.05 * normWith, with.Loss, 1e-4);
    }

    [Fact]
    public void Warm_start_begins_at_the_loss_of_the_given_model_and_reports_the_update()
    {
        var iris = ModelTestData.Load("iris.csv");
        var first = new MlpTrainer(Classifier() with { Epochs = 5 }).Train(iris);
        var global = first.Weights;

        var second = new MlpTrainer(Classifier() with { Epochs = 10, Seed = 99 }).Train(iris, global);

        var given = MlpModel.FromWeights(MlpTask.Classification, 4, [16], 3, Activation.Relu, global);
        Assert.Equal(given.Evaluate(iris).Loss, second.LossHistory[0]);
        Assert.Equal(first.Loss, second.LossHistory[0]);
        Assert.True(second.Loss < second.LossHistory[0], $"loss {second.LossHistory[0]} → {second.Loss}");
        foreach (var (key, values) in second.Weights)
        {
            var expected = values.Zip(global[key], (after, before) => after - before).ToArray();
            Assert.Equal(expected, second.Gradients[key]);
        }
    }

    [Fact]
    public void Without_a_global_model_the_update_is_measured_from_the_seeded_initialisation()
    {
        var iris = ModelTestData.Load("iris.csv");
        var options = Classifier() with { Epochs = 3 };
        var result = new MlpTrainer(options).Train(iris);
        var initial = MlpModel.Create(MlpTask.Classification, 4, [16], 3, Activation.Relu, options.Seed).GetWeights();

        foreach (var (key, values) in result.Weights)
            Assert.Equal(values.Zip(initial[key], (after, before) => after - before).ToArray(), result.Gradients[key]);
        Assert.Contains(result.Gradients.Values, update => update.Any(v => v != 0));
    }

    [Fact]
    public void Given_weights_of_the_wrong_shape_are_rejected_by_key()
    {
        var iris = ModelTestData.Load("iris.csv");
        var trainer = new MlpTrainer(Classifier());
        var good = trainer.Train(iris).Weights;

        Dictionary<string, float[]> Changed(string key, float[]? values)
        {
            var copy = good.ToDictionary(pair => pair.Key, pair => pair.Value);
            if (values is null) copy.Remove(key);
            else copy[key] = values;
            return copy;
        }

        var wrongLength = Assert.Throws<ModelConfigException>(() => trainer.Train(iris, Changed("input_to_hidden_weights", new float[4 * 15])));
        Assert.Equal("input_to_hidden_weights", wrongLength.Field);
        Assert.Contains("has 60 values, expected 64 (4 × 16)", wrongLength.Message);

        var missing = Assert.Throws<ModelConfigException>(() => trainer.Train(iris, Changed("hidden_bias", null)));
        Assert.Equal("hidden_bias", missing.Field);

        var extra = Assert.Throws<ModelConfigException>(() => trainer.Train(iris, Changed("linear_weights", [1f])));
        Assert.Equal("linear_weights", extra.Field);

        var poisoned = good["output_bias"].ToArray();
        poisoned[1] = float.NaN;
        var nan = Assert.Throws<ModelConfigException>(() => trainer.Train(iris, Changed("output_bias", poisoned)));
        Assert.Contains("output_bias[1]", nan.Message);

        // The upstream binary network had a single output; ours needs one per class.
        var classes = Assert.Throws<ModelConfigException>(() =>
            new MlpTrainer(Classifier() with { ClassCount = 4 }).Train(iris, good));
        Assert.Equal("hidden_to_output_weights", classes.Field);
    }

    [Fact]
    public void A_learning_rate_that_diverges_stops_with_the_epoch_and_batch()
    {
        // Targets in the thousands and lr 1 with momentum: the squared error explodes within a few batches.
        var data = ModelTestData.Generate(256, 3, seed: 8, x => 5000 * x[0] + 3000 * x[1] * x[2]);
        var options = new MlpOptions
        {
            Task = MlpTask.Regression, HiddenSizes = [16], Epochs = 50, BatchSize = 16, LearningRate = 1f, Seed = 1,
            Momentum = 0.9f,
        };

        var error = Assert.Throws<TrainingDivergedException>(() => new MlpTrainer(options).Train(data));

        Assert.InRange(error.Epoch, 1, 50);
        Assert.Contains($"epoch {error.Epoch} of 50", error.Message);
        Assert.Contains("learning_rate", error.Message);
        if (error.Batch > 0) Assert.Contains($"batch {error.Batch} of 16", error.Message);
    }

    [Fact]
    public void Same_seed_data_and_config_give_bit_identical_weights()
    {
        var iris = ModelTestData.Load("iris.csv");
        var options = Classifier() with { HiddenSizes = [12, 7], Activation = Activation.Sigmoid };

        var a = new MlpTrainer(options).Train(iris);
        var b = new MlpTrainer(options).Train(iris);
        var other = new MlpTrainer(options with { Seed = 6 }).Train(iris);

        Assert.Equal(a.Weights.Keys, b.Weights.Keys);
        foreach (var key in a.Weights.Keys) Assert.Equal(a.Weights[key], b.Weights[key]);
        Assert.Equal(a.LossHistory, b.LossHistory);
        Assert.NotEqual(a.Weights["input_to_hidden1_weights"], other.Weights["input_to_hidden1_weights"]);
    }

    [Fact]
    public void Thread_count_does_not_change_the_weights()
    {
        // Whole-data batches of digits make the matrix products large enough to run in parallel.
        var digits = ModelTestData.Load("digits.csv");
        var options = Classifier(96) with { BatchSize = digits.Rows, Epochs = 3, LearningRate = 0.001f };

        var single = new MlpTrainer(options with { Threads = 1 }).Train(digits);
        var multi = new MlpTrainer(options with { Threads = 4 }).Train(digits);

        foreach (var key in single.Weights.Keys) Assert.Equal(single.Weights[key], multi.Weights[key]);
        Assert.Equal(single.LossHistory, multi.LossHistory);
    }

    [Fact]
    public void Labels_that_are_not_class_indices_are_rejected()
    {
        var fractional = new Dataset([0, 1, 2, 3], 2, 2, [0, 1.5f]);
        var tooLarge = new Dataset([0, 1, 2, 3], 2, 2, [0, 3]);
        var trainer = new MlpTrainer(Classifier() with { ClassCount = 3 });

        Assert.Contains("label 1.5 of row 1", Assert.Throws<ModelConfigException>(() => trainer.Train(fractional)).Message);
        Assert.Contains("label 3 of row 1", Assert.Throws<ModelConfigException>(() => trainer.Train(tooLarge)).Message);
        Assert.Throws<ModelConfigException>(() => trainer.Train(new Dataset([0, float.NaN], 1, 2, [0])));
    }

    public static TheoryData<string, MlpOptions> InvalidOptions => new()
    {
        { "epochs", Classifier() with { Epochs = 0 } },
        { "learning_rate", Classifier() with { LearningRate = 0 } },
        { "learning_rate", Classifier() with { LearningRate = 1.5f } },
        { "learning_rate", Classifier() with { LearningRate = float.NaN } },
        { "batch_size", Classifier() with { BatchSize = 0 } },
        { "momentum", Classifier() with { Momentum = 1 } },
        { "beta_2", Classifier() with { Beta2 = 1 } },
        { "alpha", Classifier() with { Alpha = -0.1f } },
        { "hidden_size", Classifier() with { HiddenSizes = [8, 0] } },
        { "class_count", Classifier() with { ClassCount = 1 } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_options_are_rejected_naming_the_field(string field, MlpOptions options)
    {
        var error = Assert.Throws<ModelConfigException>(() => new MlpTrainer(options));
        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message);
    }
}
