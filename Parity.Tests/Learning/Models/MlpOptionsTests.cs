using System.Text.Json;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

/// <summary>
/// The MLP's options as a task's JSON gives them and as <see cref="MlpOptions.Validate"/> bounds them: every spelling the
/// trainer takes maps to its meaning, every optional key is read (not refused as unknown, not ignored), and each bound
/// holds at its edge — the last valid value passes and the first invalid one is refused naming its field. Written for
/// the survivors of the models room's mutation run (docs/testing.md).
/// </summary>
public sealed class MlpOptionsTests
{
    private const string Train = """{"epochs": 2, "learning_rate": 0.01, "batch_size": 16, "seed": 1}""";

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static MlpOptions Parse(string train, string model = """{"hidden_size": 4}""") => MlpOptions.FromJson(Json(train), Json(model));

    private static string TrainWith(string key, string value) => Train.Replace("}", $", \"{key}\": {value}}}");

    private static readonly MlpOptions Valid = new()
    {
        Task = MlpTask.Classification, HiddenSizes = [4], Epochs = 1, LearningRate = 0.1f, BatchSize = 8, Seed = 1,
    };

    [Theory]
    [InlineData("activation", null, Activation.Relu)]
    [InlineData("activation", "relu", Activation.Relu)]
    [InlineData("activation", "tanh", Activation.Tanh)]
    [InlineData("activation", "sigmoid", Activation.Sigmoid)]
    [InlineData("activation", "logistic", Activation.Sigmoid)]
    [InlineData("activation", "identity", Activation.Identity)]
    [InlineData("init", null, Initialization.Glorot)]
    [InlineData("init", "glorot", Initialization.Glorot)]
    [InlineData("init", "xavier", Initialization.Glorot)]
    [InlineData("init", "he", Initialization.He)]
    [InlineData("task", null, MlpTask.Classification)]
    [InlineData("task", "classification", MlpTask.Classification)]
    [InlineData("task", "regression", MlpTask.Regression)]
    public void Every_spelling_maps_to_its_meaning(string key, string? name, object expected)
    {
        var model = name is null ? """{"hidden_size": 4}""" : $$"""{"hidden_size": 4, "{{key}}": "{{name}}"}""";

        var options = Parse(Train, model);

        Assert.Equal(expected, key switch
        {
            "activation" => options.Activation,
            "init" => options.Initialization,
            _ => (object)options.Task,
        });
    }

    [Theory]
    [InlineData("activation", "softplus", "activation must be relu, tanh, sigmoid or identity, got softplus")]
    [InlineData("init", "lecun", "init must be glorot or he, got lecun")]
    [InlineData("task", "ranking", "task must be classification or regression, got ranking")]
    public void An_unknown_name_is_refused_listing_the_valid_ones(string key, string value, string message)
    {
        var error = Assert.Throws<ModelConfigException>(() => Parse(Train, $$"""{"hidden_size": 4, "{{key}}": "{{value}}"}"""));

        Assert.Equal(key, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_train_config_that_is_not_an_object_is_refused_naming_it()
    {
        var error = Assert.Throws<ModelConfigException>(() => Parse("[1, 2]"));

        Assert.Equal("train_config", error.Field);
        Assert.Contains("train_config must be a JSON object", error.Message);
    }

    [Fact]
    public void Every_optional_training_key_is_read()
    {
        var options = Parse("""
            {"epochs": 3, "learning_rate": 0.05, "batch_size": 7, "seed": 9, "optimizer": "adam", "momentum": 0.5,
             "nesterov": true, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-6, "alpha": 0.001, "proximal_mu": 0.25}
            """);

        Assert.Equal((3, 0.05f, 7, 9L, OptimizerKind.Adam), (options.Epochs, options.LearningRate, options.BatchSize, options.Seed, options.Optimizer));
        Assert.Equal((0.5f, true, 0.8f, 0.95f), (options.Momentum, options.Nesterov, options.Beta1, options.Beta2));
        Assert.Equal((1e-6f, 0.001f, 0.25f), (options.Epsilon, options.Alpha, options.ProximalMu));
    }

    [Fact]
    public void Absent_optional_keys_take_the_documented_values()
    {
        var options = Parse(Train);

        Assert.Equal((OptimizerKind.Sgd, 0f, false), (options.Optimizer, options.Momentum, options.Nesterov));
        Assert.Equal((0.9f, 0.999f, 1e-8f, 0f, 0f), (options.Beta1, options.Beta2, options.Epsilon, options.Alpha, options.ProximalMu));
    }

    [Fact]
    public void Every_listed_training_key_is_accepted_by_the_unknown_key_check()
    {
        // A key dropped from the list would be refused as unknown although the trainer reads it (the four required
        // ones are in every config parsed here).
        foreach (var key in MlpOptions.TrainKeys.Except(["epochs", "learning_rate", "batch_size", "seed"]))
        {
            var value = key switch { "optimizer" => "\"adam\"", "nesterov" => "true", _ => "0.5" };
            var exception = Record.Exception(() => Parse(TrainWith(key, value)));
            Assert.True(exception is null, $"{key}: {exception?.Message}");
        }
    }

    public static TheoryData<string, Func<MlpOptions, MlpOptions>, string?> Edges => new()
    {
        // The last valid value passes (null field), the first invalid one is refused naming its field.
        { "one unit", o => o with { HiddenSizes = [1] }, null },
        { "no unit", o => o with { HiddenSizes = [0] }, "hidden_size" },
        { "64 layers", o => o with { HiddenSizes = Enumerable.Repeat(1, MlpOptions.MaxHiddenLayers).ToList() }, null },
        { "65 layers", o => o with { HiddenSizes = Enumerable.Repeat(1, MlpOptions.MaxHiddenLayers + 1).ToList() }, "hidden_sizes" },
        { "no hidden sizes", o => o with { HiddenSizes = null! }, "hidden_size" },
        { "weights between layers at the limit", o => o with { HiddenSizes = [10_000, 10_000] }, null },
        { "weights between layers over the limit", o => o with { HiddenSizes = [10_000, 10_001] }, "hidden_sizes" },
        { "batch of one", o => o with { BatchSize = 1 }, null },
        { "batch of none", o => o with { BatchSize = 0 }, "batch_size" },
        { "beta_1 zero", o => o with { Beta1 = 0f }, null },
        { "beta_1 one", o => o with { Beta1 = 1f }, "beta_1" },
        { "beta_1 negative", o => o with { Beta1 = -0.1f }, "beta_1" },
        { "beta_1 NaN", o => o with { Beta1 = float.NaN }, "beta_1" },
        { "beta_2 zero", o => o with { Beta2 = 0f }, null },
        { "beta_2 one", o => o with { Beta2 = 1f }, "beta_2" },
        { "beta_2 negative", o => o with { Beta2 = -0.1f }, "beta_2" },
        { "epsilon tiny", o => o with { Epsilon = float.Epsilon }, null },
        { "epsilon zero", o => o with { Epsilon = 0f }, "epsilon" },
        { "epsilon infinite", o => o with { Epsilon = float.PositiveInfinity }, "epsilon" },
        { "two classes", o => o with { ClassCount = 2 }, null },
        { "one class", o => o with { ClassCount = 1 }, "class_count" },
        { "most classes", o => o with { ClassCount = MlpOptions.MaxClassCount }, null },
        { "too many classes", o => o with { ClassCount = MlpOptions.MaxClassCount + 1 }, "class_count" },
        { "all cores", o => o with { Threads = 0 }, null },
        { "negative threads", o => o with { Threads = -1 }, "threads" },
        { "no memory", o => o with { AvailableMemoryBytes = 0 }, null },
        { "negative memory", o => o with { AvailableMemoryBytes = -1 }, "available_memory" },
        { "unknown task", o => o with { Task = (MlpTask)7 }, "task" },
        { "unknown activation", o => o with { Activation = (Activation)7 }, "activation" },
        { "unknown optimizer", o => o with { Optimizer = (OptimizerKind)7 }, "optimizer" },
    };

    [Theory]
    [MemberData(nameof(Edges))]
    public void Each_bound_holds_at_its_edge(string edge, Func<MlpOptions, MlpOptions> change, string? refusedField)
    {
        var options = change(Valid);

        if (refusedField is null)
        {
            options.Validate();
            return;
        }
        var error = Assert.Throws<ModelConfigException>(options.Validate);
        Assert.True(refusedField == error.Field, $"{edge}: refused naming {error.Field}, not {refusedField}");
    }

    [Fact]
    public void A_hidden_layer_of_no_units_is_named_by_its_position()
    {
        var error = Assert.Throws<ModelConfigException>((Valid with { HiddenSizes = [3, 0] }).Validate);

        Assert.Contains("got 0 for hidden layer 2", error.Message);
    }

    [Fact]
    public void The_weights_between_hidden_layers_are_named_when_refused()
    {
        var error = Assert.Throws<ModelConfigException>((Valid with { HiddenSizes = [10_000, 10_001] }).Validate);

        Assert.Contains("hidden_sizes [10000, 10001] make 100010000 weights between hidden layers", error.Message);
    }

    [Fact]
    public void The_parameter_count_is_every_layers_weights_and_biases()
    {
        // 5 inputs → 4 → 3 hidden → 2 outputs: (5·4 + 4) + (4·3 + 3) + (3·2 + 2).
        Assert.Equal(24 + 15 + 8, (Valid with { HiddenSizes = [4, 3] }).ParameterCount(5, 2));
    }

    [Fact]
    public void The_memory_estimate_grows_with_what_training_holds()
    {
        var sgd = Valid with { HiddenSizes = [64], BatchSize = 127 };
        long Estimate(MlpOptions o, int rows = 10_000) => o.EstimateMemoryBytes(inputs: 20, outputs: 3, rows);
        var parameters = sgd.ParameterCount(20, 3) * sizeof(float);

        // Adam keeps a second moment: one more copy of the parameters than SGD.
        Assert.Equal(parameters, Estimate(sgd with { Optimizer = OptimizerKind.Adam }) - Estimate(sgd));
        // FedProx keeps its anchor: one more copy.
        Assert.Equal(parameters, Estimate(sgd with { ProximalMu = 0.1f }) - Estimate(sgd));
        // A batch of 128 or more is split in halves: one more gradient, and the halves' workspace.
        var split = Estimate(sgd with { BatchSize = 128 }) - Estimate(sgd);
        Assert.True(split > parameters, $"a split batch adds {split} bytes, not more than a copy of the parameters ({parameters})");
        // More units hold more; more inputs hold more.
        Assert.True(Estimate(sgd with { HiddenSizes = [64, 64] }) > Estimate(sgd));
        Assert.True(sgd.EstimateMemoryBytes(inputs: 40, outputs: 3, rows: 10_000) > Estimate(sgd));
    }

    [Fact]
    public void The_memory_estimate_of_a_small_network_is_its_parts_added_by_hand()
    {
        // 5 inputs → 4 → 2 outputs, SGD, batches of 8 on 10 rows: 34 parameters held 6 times (model, gradients, SGD's
        // velocity, start, final, update), each layer's outputs and deltas for the 10 rows evaluated at once
        // (2 · (4 + 2) · 10), and a batch of inputs (8 · 5): 4 bytes each.
        var options = Valid with { HiddenSizes = [4], BatchSize = 8 };

        Assert.Equal(4 * (6 * 34 + 2 * 6 * 10 + 8 * 5), options.EstimateMemoryBytes(inputs: 5, outputs: 2, rows: 10));
    }

    [Fact]
    public void A_network_too_big_for_the_memory_given_is_refused_naming_what_to_shrink()
    {
        var options = Valid with { HiddenSizes = [512, 512], AvailableMemoryBytes = 1_000_000 };

        var error = Assert.Throws<ModelConfigException>(() => options.CheckFits(inputs: 64, outputs: 10, rows: 1_000));

        Assert.Equal("hidden_sizes", error.Field);
        Assert.Contains("a network of 64 inputs, hidden layers [512, 512] and 10 outputs", error.Message);
    }
}
