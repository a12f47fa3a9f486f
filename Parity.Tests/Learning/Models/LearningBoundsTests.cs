using System.Text;
using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

/// <summary>
/// The upper bounds on epochs, network size, classes and trees, the memory estimate checked before training allocates,
/// and the CSV line cap: each hostile size is refused with the field and the limit named, never an overflow or an
/// out-of-memory crash.
/// </summary>
public sealed class LearningBoundsTests
{
    private static Dataset Iris => DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv"));

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static ModelConfigException NetworkRefused(string trainConfig, string modelConfig) =>
        Assert.Throws<ModelConfigException>(() => MlpOptions.FromJson(Json(trainConfig), Json(modelConfig)));

    private const string Train = """{"epochs": 2, "learning_rate": 0.01, "batch_size": 16, "seed": 1}""";

    [Theory]
    [InlineData("""{"hidden_size": 2147483647}""", "hidden_size", "hidden_size must be at most 100000, got 2147483647")]
    [InlineData("""{"hidden_size": 50000000}""", "hidden_size", "hidden_size must be at most 100000, got 50000000")]
    [InlineData("""{"hidden_sizes": [8, 100001]}""", "hidden_sizes", "hidden_sizes must be at most 100000, got 100001 for hidden layer 2")]
    [InlineData("""{"hidden_sizes": [30000, 30000]}""", "hidden_sizes", "make 900000000 weights between hidden layers, more than the 100000000")]
    [InlineData("""{"hidden_size": 4, "class_count": 2147483647}""", "class_count", "class_count must be at most 100000, got 2147483647")]
    public void Network_sizes_over_the_bounds_are_refused_naming_field_and_limit(string model, string field, string message)
    {
        var error = NetworkRefused(Train, model);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Too_many_hidden_layers_are_refused()
    {
        var layers = string.Join(", ", Enumerable.Repeat(2, MlpOptions.MaxHiddenLayers + 1));
        var error = NetworkRefused(Train, $$"""{"hidden_sizes": [{{layers}}]}""");
        Assert.Equal("hidden_sizes", error.Field);
        Assert.Contains("at most 64 layers, got 65", error.Message);
    }

    [Fact]
    public void Epochs_are_bounded_for_networks_and_linear_models()
    {
        const string Epochs = """{"epochs": 2147483647, "learning_rate": 0.01, "batch_size": 16, "seed": 1}""";
        var network = NetworkRefused(Epochs, """{"hidden_size": 4}""");
        Assert.Equal("epochs", network.Field);
        Assert.Contains("epochs must be at most 100000, got 2147483647", network.Message);

        var linear = Assert.Throws<ModelConfigException>(() => LinearRegressionOptions.FromJson(Json(Epochs), null));
        Assert.Equal("epochs", linear.Field);
        Assert.Contains("epochs must be at most 100000, got 2147483647", linear.Message);

        // The bound itself is allowed.
        MlpOptions.FromJson(Json("""{"epochs": 100000, "learning_rate": 0.01, "batch_size": 16, "seed": 1}"""),
            Json("""{"hidden_size": 4}"""));
    }

    [Fact]
    public void Trees_are_bounded()
    {
        var error = Assert.Throws<ModelConfigException>(() =>
            ForestOptionsJson.FromJson(Json("""{"num_trees": 2147483647}"""), sessionSeed: 1));
        Assert.Equal("n_estimators", error.Field);
        Assert.Contains("must be at most 10000 (got 2147483647)", error.Message);
        Assert.Equal(10_000, ForestOptionsJson.FromJson(Json("""{"num_trees": 10000}"""), sessionSeed: 1).Trees);
    }

    private static MlpOptions Network(int[] hidden, long? available = null, OptimizerKind optimizer = OptimizerKind.Sgd) => new()
    {
        Task = MlpTask.Classification,
        HiddenSizes = hidden,
        Epochs = 2,
        LearningRate = 0.01f,
        BatchSize = 16,
        Seed = 1,
        Optimizer = optimizer,
        AvailableMemoryBytes = available,
    };

    [Fact]
    public void The_parameter_count_is_every_weight_and_bias()
    {
        // Iris: 4 inputs → 1000 → 3 outputs: 4·1000 + 1000 + 1000·3 + 3.
        Assert.Equal(8003, Network([1000]).ParameterCount(4, 3));
        // 4 → 10 → 20 → 3: 40 + 10 + 200 + 20 + 60 + 3.
        Assert.Equal(333, Network([10, 20]).ParameterCount(4, 3));
    }

    [Fact]
    public void The_memory_estimate_counts_every_parameter_copy_and_adam_adds_two_arrays_of_state()
    {
        var sgd = Network([1000]);
        var adam = Network([1000], optimizer: OptimizerKind.Adam);
        var parameterBytes = 4L * 8003;
        // At least the model, its gradient, the optimizer's velocity, the start, the final weights and the update.
        Assert.True(sgd.EstimateMemoryBytes(4, 3, 150) >= 6 * parameterBytes);
        // Adam keeps two moment arrays where SGD keeps one velocity.
        Assert.Equal(parameterBytes, adam.EstimateMemoryBytes(4, 3, 150) - sgd.EstimateMemoryBytes(4, 3, 150));
        // Wider batches need more workspace.
        Assert.True((sgd with { BatchSize = 150 }).EstimateMemoryBytes(4, 3, 150) > sgd.EstimateMemoryBytes(4, 3, 150));
    }

    [Fact]
    public void A_modest_network_is_refused_before_training_when_the_memory_available_is_smaller()
    {
        // 8003 parameters take 32 KB a copy: six copies alone are over 100 KB.
        var refused = Assert.Throws<ModelConfigException>(() => new MlpTrainer(Network([1000], available: 100_000)).Train(Iris));
        Assert.Equal("hidden_sizes", refused.Field);
        Assert.Contains("8003 parameters", refused.Message);
        Assert.Contains("more than the 1 MiB (100000 bytes) this process has available", refused.Message);
        Assert.Contains("reduce hidden_sizes or batch_size", refused.Message);

        // The same network trains when the memory is there.
        var trained = new MlpTrainer(Network([1000], available: 1L << 30)).Train(Iris);
        Assert.Equal(150, trained.SampleCount);
    }

    [Fact]
    public void A_network_the_data_makes_too_big_is_refused_before_anything_is_allocated()
    {
        // Within every bound on its own, but 1000 features × 100000 units is 10^8 weights in the first layer alone.
        var wide = new Dataset(new float[1000 * 2], 2, 1000, [0f, 1f]);
        var error = Assert.Throws<ModelConfigException>(() => new MlpTrainer(Network([100_000])).Train(wide));
        Assert.Equal("hidden_sizes", error.Field);
        Assert.Contains("more than the 100000000 allowed", error.Message);
    }

    [Fact]
    public void Tree_sizes_are_bounded_by_rows_leaves_and_depth()
    {
        var options = new ForestOptions { Trees = 10, RandomState = 1 };
        // 150 rows, leaves of one row: at most 150 leaves, 299 nodes.
        Assert.Equal(299, options.MaxNodesPerTree(150));
        // Depth 3: at most 8 leaves, 15 nodes.
        Assert.Equal(15, (options with { MaxDepth = 3 }).MaxNodesPerTree(150));
        // Leaves of at least 10 rows: at most 15 leaves, 29 nodes.
        Assert.Equal(29, (options with { MinSamplesLeaf = 10 }).MaxNodesPerTree(150));

        // The bound holds for the trees actually grown.
        var forest = new ForestTrainer(options with { MinSamplesLeaf = 2 }).Fit(Iris);
        Assert.All(forest.Trees, tree => Assert.InRange(tree.NodeCount, 1, (options with { MinSamplesLeaf = 2 }).MaxNodesPerTree(150)));
    }

    [Fact]
    public void A_forest_is_refused_before_growing_when_the_memory_available_is_smaller()
    {
        var options = new ForestOptions { Trees = 200, RandomState = 1, Threads = 1 };
        // 200 trees of up to 299 nodes, each node at least 32 bytes plus 4 a class.
        Assert.True(options.EstimateMemoryBytes(150, 4, 3, 256) >= 200L * 299 * (32 + 4 * 3));
        Assert.True((options with { Trees = 400 }).EstimateMemoryBytes(150, 4, 3, 256) > options.EstimateMemoryBytes(150, 4, 3, 256));

        var refused = Assert.Throws<ModelConfigException>(() =>
            new ForestTrainer(options with { AvailableMemoryBytes = 500_000 }).Fit(Iris));
        Assert.Equal("n_estimators", refused.Field);
        Assert.Contains("a forest of 200 trees of up to 299 nodes each", refused.Message);
        Assert.Contains("more than the 1 MiB (500000 bytes) this process has available", refused.Message);

        Assert.Equal(200, new ForestTrainer(options with { AvailableMemoryBytes = 1L << 30 }).Fit(Iris).Trees.Count);
    }

    [Fact]
    public void An_overlong_csv_line_is_refused_naming_the_line_and_limit_without_reading_it_whole()
    {
        // A CSV whose third line never ends.
        var stream = new GeneratedStream("a,label\n1,0\n", (byte)'7', long.MaxValue, "");
        var error = Assert.Throws<DatasetException>(() => DatasetReader.Read(stream, DatasetFormat.Csv));
        Assert.Equal(3, error.Line);
        Assert.Equal("line 3 is longer than 4194304 bytes, the most a CSV line may have", error.Message);
        // Refused once the cap is passed, not after an endless read.
        Assert.InRange(stream.Served, DatasetReader.MaxCsvLineBytes, 3L * DatasetReader.MaxCsvLineBytes);
    }

    [Fact]
    public void Csv_lines_up_to_the_limit_are_read_and_line_numbers_count_every_line()
    {
        // A long header (half a megabyte of column names) is still a header; the rows after it are data.
        var names = string.Join(",", Enumerable.Range(0, 50_000).Select(i => $"feature{i}"));
        var cells = string.Join(",", Enumerable.Repeat("1", 50_000));
        var data = DatasetReader.ReadText($"{names},label\r\n{cells},0\r\n{cells},1\r\n", DatasetFormat.Csv);
        Assert.Equal(2, data.Rows);
        Assert.Equal(50_000, data.Columns);

        var overlong = $"a,label\n1,0\n2,1\n{new string('9', DatasetReader.MaxCsvLineBytes + 1)},1\n";
        var error = Assert.Throws<DatasetException>(() => DatasetReader.Read(Encoding.UTF8.GetBytes(overlong), DatasetFormat.Csv));
        Assert.Equal(4, error.Line);
    }
}
