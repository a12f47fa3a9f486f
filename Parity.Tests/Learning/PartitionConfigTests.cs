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

    [Fact]
    public void Every_listed_key_is_one_the_parser_reads()
    {
        // Keys is what the task API accepts in partition_config: a key listed there that the parser does not read
        // would be accepted and silently ignored. A value of the wrong type shows that the parser reads it.
        Assert.Equal(8, PartitionConfig.Keys.Count);
        var valid = new Dictionary<string, object>
        {
            ["strategy"] = "non_iid", ["total_parts"] = 2, ["part_index"] = 0, ["alpha"] = 1, ["min_samples"] = 0,
            ["overlap_ratio"] = 0, ["seed"] = 1, ["classes_per_part"] = 1,
        };
        Assert.Equal(valid.Keys.Order(), PartitionConfig.Keys.Order());
        foreach (var key in PartitionConfig.Keys)
        {
            var config = new Dictionary<string, object>(valid) { [key] = true };
            var error = Invalid(System.Text.Json.JsonSerializer.Serialize(config));
            Assert.Equal(key, error.Field);
        }
    }

    [Fact]
    public void An_empty_strategy_is_a_missing_one()
    {
        var error = Invalid("""{"strategy": "", "total_parts": 2, "part_index": 0, "seed": 1}""");

        Assert.Equal("invalid partition configuration: strategy is required", error.Message);
        Assert.Equal("strategy", error.Field);
    }

    [Theory]
    [InlineData("stratified")]
    [InlineData("non_iid")]
    [InlineData("label_skew")]
    [InlineData("random")]
    public void A_missing_seed_is_explained_with_the_strategys_wire_name(string strategy)
    {
        var error = Invalid($$"""{"strategy": "{{strategy}}", "total_parts": 2, "part_index": 0, "alpha": 1}""");

        Assert.Equal(
            $"invalid partition configuration: seed is required for {strategy} partitioning, so that every participant computes the same parts",
            error.Message);
        Assert.Equal("seed", error.Field);
    }

    [Fact]
    public void Text_that_is_not_json_is_refused_as_such()
    {
        var error = Invalid("""{"strategy": """);

        Assert.StartsWith("invalid partition configuration: not valid JSON (", error.Message);
    }

    [Fact]
    public void A_strategy_value_outside_the_enum_is_refused()
    {
        var config = new PartitionConfig { Strategy = (PartitionStrategy)99, TotalParts = 2, PartIndex = 0, Seed = 1 };

        var error = Assert.Throws<ModelConfigException>(config.Validate);

        Assert.Equal("invalid partition configuration: unknown strategy value 99", error.Message);
        Assert.Equal("strategy", error.Field);
    }

    [Fact]
    public void One_class_per_part_is_the_least_accepted()
    {
        var config = PartitionConfig.Parse("""{"strategy": "label_skew", "total_parts": 2, "part_index": 0, "seed": 1, "classes_per_part": 1}""");

        Assert.Equal(1, config.ClassesPerPart);
        Assert.Equal("classes_per_part",
            Invalid("""{"strategy": "label_skew", "total_parts": 2, "part_index": 0, "seed": 1, "classes_per_part": 0}""").Field);
    }

    [Fact]
    public void An_infinite_alpha_is_refused_naming_alpha_whichever_its_sign()
    {
        var config = new PartitionConfig { Strategy = PartitionStrategy.NonIid, TotalParts = 2, PartIndex = 0, Seed = 1 };

        var positive = Assert.Throws<ModelConfigException>((config with { Alpha = double.PositiveInfinity }).Validate);
        var negative = Assert.Throws<ModelConfigException>((config with { Alpha = double.NegativeInfinity }).Validate);

        Assert.Equal("alpha parameter must be finite for non-IID partitioning, got +Inf", positive.Message);
        Assert.Equal("alpha", positive.Field);
        Assert.Equal("alpha parameter must be positive for non-IID partitioning, got -Inf", negative.Message);
        Assert.Equal("alpha", negative.Field);
    }

    [Theory]
    [InlineData("overlap_ratio")]
    [InlineData("alpha")]
    public void A_number_too_large_for_a_double_is_refused_not_read_as_something_else(string field)
    {
        var error = Invalid($$"""{"strategy": "non_iid", "total_parts": 2, "part_index": 0, "alpha": 1, "seed": 1, "{{field}}": 1e400}""");

        Assert.Equal($"invalid partition configuration: {field} must be a number", error.Message);
        Assert.Equal(field, error.Field);
    }
}
