using Parity.Learning.Models;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning;

public sealed class PartitionConfigTests
{
    private static ModelConfigException Invalid(string json) =>
        Assert.Throws<ModelConfigException>(() => PartitionConfig.Parse(json));

    [Fact]
    public void Parses_every_field()
    {
        var config = PartitionConfig.Parse("""
            {"strategy": "non_iid", "total_parts": 5, "part_index": 2, "alpha": 0.5, "min_samples": 50,
             "overlap_ratio": 0.1, "seed": -9007199254740993, "classes_per_part": 2, "unknown": [1]}
            """);

        Assert.Equal(
            new PartitionConfig
            {
                Strategy = PartitionStrategy.NonIid, TotalParts = 5, PartIndex = 2, Alpha = 0.5, MinSamples = 50,
                OverlapRatio = 0.1, Seed = -9007199254740993, ClassesPerPart = 2,
            },
            config);
    }

    [Theory]
    [InlineData("random", PartitionStrategy.Random)]
    [InlineData("iid", PartitionStrategy.Random)]
    [InlineData("stratified", PartitionStrategy.Stratified)]
    [InlineData("sequential", PartitionStrategy.Sequential)]
    [InlineData("non_iid", PartitionStrategy.NonIid)]
    [InlineData("dirichlet", PartitionStrategy.NonIid)]
    [InlineData("label_skew", PartitionStrategy.LabelSkew)]
    public void Accepts_the_reference_strategy_names(string name, PartitionStrategy strategy)
    {
        var config = PartitionConfig.Parse($$"""{"strategy": "{{name}}", "total_parts": 2, "part_index": 0, "alpha": 1, "seed": 1}""");

        Assert.Equal(strategy, config.Strategy);
    }

    [Fact]
    public void Optional_fields_default_to_off()
    {
        var config = PartitionConfig.Parse("""{"strategy": "sequential", "total_parts": 3, "part_index": 1, "alpha": null}""");

        Assert.Null(config.Alpha);
        Assert.Null(config.Seed);
        Assert.Null(config.ClassesPerPart);
        Assert.Equal(0, config.MinSamples);
        Assert.Equal(0, config.OverlapRatio);
        Assert.Equal(1, config.MinimumPartSize);
    }

    [Fact]
    public void Alpha_is_only_checked_for_non_iid()
    {
        var config = PartitionConfig.Parse("""{"strategy": "random", "total_parts": 2, "part_index": 0, "alpha": 0, "seed": 1}""");

        Assert.Equal(0, config.Alpha);
    }

    [Theory]
    [InlineData("""{"strategy": "non_iid", "total_parts": 2, "part_index": 0, "alpha": 0, "seed": 1}""",
        "alpha parameter must be positive for non-IID partitioning, got 0.000000", "alpha")]
    [InlineData("""{"strategy": "dirichlet", "total_parts": 2, "part_index": 0, "alpha": -0.5, "seed": 1}""",
        "alpha parameter must be positive for non-IID partitioning, got -0.500000", "alpha")]
    [InlineData("""{"strategy": "non_iid", "total_parts": 2, "part_index": 0, "seed": 1}""",
        "alpha parameter is required for non-IID partitioning", "alpha")]
    [InlineData("""{"strategy": "shards", "total_parts": 2, "part_index": 0}""",
        "unsupported partitioning strategy: shards", "strategy")]
    [InlineData("""{"total_parts": 2, "part_index": 0}""",
        "invalid partition configuration: strategy is required", "strategy")]
    [InlineData("""{"strategy": 3, "total_parts": 2, "part_index": 0}""",
        "invalid partition configuration: strategy must be a string", "strategy")]
    [InlineData("""{"strategy": "sequential", "part_index": 0}""",
        "invalid partition configuration: total_parts is required", "total_parts")]
    [InlineData("""{"strategy": "sequential", "total_parts": 0, "part_index": 0}""",
        "invalid partition configuration: total_parts must be at least 1, got 0", "total_parts")]
    [InlineData("""{"strategy": "sequential", "total_parts": 10001, "part_index": 0}""",
        "invalid partition configuration: total_parts must be at most 10000, got 10001", "total_parts")]
    [InlineData("""{"strategy": "sequential", "total_parts": 2147483647, "part_index": 2147483646}""",
        "invalid partition configuration: total_parts must be at most 10000, got 2147483647", "total_parts")]
    [InlineData("""{"strategy": "sequential", "total_parts": 2.5, "part_index": 0}""",
        "invalid partition configuration: total_parts must be an integer", "total_parts")]
    [InlineData("""{"strategy": "sequential", "total_parts": "2", "part_index": 0}""",
        "invalid partition configuration: total_parts must be an integer", "total_parts")]
    [InlineData("""{"strategy": "sequential", "total_parts": 2}""",
        "invalid partition configuration: part_index is required", "part_index")]
    [InlineData("""{"strategy": "sequential", "total_parts": 3, "part_index": 3}""",
        "invalid partition configuration: part_index must be in [0, 3), got 3", "part_index")]
    [InlineData("""{"strategy": "sequential", "total_parts": 3, "part_index": -1}""",
        "invalid partition configuration: part_index must be in [0, 3), got -1", "part_index")]
    [InlineData("""{"strategy": "sequential", "total_parts": 3, "part_index": 0, "min_samples": -1}""",
        "invalid partition configuration: min_samples must be zero or positive, got -1", "min_samples")]
    [InlineData("""{"strategy": "random", "total_parts": 3, "part_index": 0, "overlap_ratio": 1, "seed": 1}""",
        "invalid partition configuration: overlap_ratio must be in [0, 1), got 1", "overlap_ratio")]
    [InlineData("""{"strategy": "random", "total_parts": 3, "part_index": 0, "overlap_ratio": -0.1, "seed": 1}""",
        "invalid partition configuration: overlap_ratio must be in [0, 1), got -0.1", "overlap_ratio")]
    [InlineData("""{"strategy": "random", "total_parts": 3, "part_index": 0, "alpha": "high", "seed": 1}""",
        "invalid partition configuration: alpha must be a number", "alpha")]
    [InlineData("""{"strategy": "label_skew", "total_parts": 3, "part_index": 0, "classes_per_part": 0, "seed": 1}""",
        "invalid partition configuration: classes_per_part must be at least 1, got 0", "classes_per_part")]
    [InlineData("""{"strategy": "random", "total_parts": 3, "part_index": 0, "seed": 1.5}""",
        "invalid partition configuration: seed must be a 64-bit integer", "seed")]
    [InlineData("""{"strategy": "random", "total_parts": 3, "part_index": 0}""",
        "invalid partition configuration: seed is required for random partitioning, so that every participant computes the same parts", "seed")]
    [InlineData("""{"strategy": "sequential", "total_parts": 3, "part_index": 0, "overlap_ratio": 0.2}""",
        "invalid partition configuration: seed is required for sequential partitioning with overlap, so that every participant computes the same parts", "seed")]
    [InlineData("""[1, 2]""",
        "invalid partition configuration: partition_config must be a JSON object", null)]
    public void Reports_each_invalid_field(string json, string message, string? field)
    {
        var error = Invalid(json);

        Assert.Equal(message, error.Message);
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Takes_up_to_the_most_parts_and_splits_that_many_rows_into_them()
    {
        var config = PartitionConfig.Parse("""{"strategy": "sequential", "total_parts": 10000, "part_index": 9999}""");
        Assert.Equal(PartitionConfig.MaxTotalParts, config.TotalParts);

        var labels = new float[PartitionConfig.MaxTotalParts];
        Assert.Equal([9999], Partitioner.Select(labels, config));
        Assert.Equal("total_parts",
            Assert.Throws<ModelConfigException>(() => Partitioner.Select(labels.AsSpan(1), config)).Field);
    }

    [Fact]
    public void Validates_configs_built_in_code_too()
    {
        var config = new PartitionConfig { Strategy = PartitionStrategy.NonIid, TotalParts = 2, PartIndex = 0, Alpha = double.NaN, Seed = 1 };

        var error = Assert.Throws<ModelConfigException>(config.Validate);

        Assert.Equal("alpha parameter must be positive for non-IID partitioning, got NaN", error.Message);
        Assert.Throws<ModelConfigException>((config with { Alpha = double.PositiveInfinity }).Validate);
    }

    [Fact]
    public void Sequential_needs_no_seed()
    {
        var config = PartitionConfig.Parse("""{"strategy": "sequential", "total_parts": 2, "part_index": 1}""");

        Assert.False(config.NeedsSeed);
        Assert.Equal([2, 3], Partitioner.Select([0, 0, 1, 1], config));
    }
}
