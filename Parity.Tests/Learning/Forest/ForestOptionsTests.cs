using Parity.Learning.Models;
using Parity.Learning.Forest;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

public sealed class ForestOptionsTests
{
    public static TheoryData<string, string, string> InvalidOptions() => new()
    {
        { "n_estimators", "n_estimators must be at least 1 (got 0)", nameof(ForestOptions.Trees) },
        { "max_depth", "max_depth must be at least 1, or null for unlimited (got 0)", nameof(ForestOptions.MaxDepth) },
        { "min_samples_split", "min_samples_split must be a count of at least 2 or a fraction in (0, 1] (got 1)", "split count" },
        { "min_samples_split", "min_samples_split must be a count of at least 2 or a fraction in (0, 1] (got 1.5)", "split fraction" },
        { "min_samples_leaf", "min_samples_leaf must be a count of at least 1 or a fraction in (0, 1) (got 0)", "leaf count" },
        { "min_samples_leaf", "min_samples_leaf must be a count of at least 1 or a fraction in (0, 1) (got 1)", "leaf fraction" },
        { "max_features", "max_features must be at least 1 when it is a count (got 0)", "features count" },
        { "max_features", "max_features must be in (0, 1] when it is a fraction (got 1.5)", "features fraction" },
        { "max_samples", "max_samples can only be set when bootstrap is true", "samples without bootstrap" },
        { "max_samples", "max_samples must be a count of at least 1 or a fraction in (0, 1] (got 0)", "samples fraction" },
        { "min_impurity_decrease", "min_impurity_decrease must be a finite number ≥ 0 (got -0.1)", nameof(ForestOptions.MinImpurityDecrease) },
        { "oob_score", "oob_score needs bootstrap: without it no row is out of bag", nameof(ForestOptions.OobScore) },
        { "max_bins", "max_bins must be in [2, 65536] (got 1)", nameof(ForestOptions.MaxBins) },
        { "n_jobs", "n_jobs must be at least 1, or null for every core (got 0)", nameof(ForestOptions.Threads) },
        { "criterion", "criterion must be gini or entropy (got 7)", nameof(ForestOptions.Criterion) },
    };

    private static ForestOptions Broken(string which) => which switch
    {
        nameof(ForestOptions.Trees) => new ForestOptions { Trees = 0 },
        nameof(ForestOptions.MaxDepth) => new ForestOptions { MaxDepth = 0 },
        "split count" => new ForestOptions { MinSamplesSplit = 1 },
        "split fraction" => new ForestOptions { MinSamplesSplit = 1.5 },
        "leaf count" => new ForestOptions { MinSamplesLeaf = 0 },
        "leaf fraction" => new ForestOptions { MinSamplesLeaf = 1.0 },
        "features count" => new ForestOptions { MaxFeatures = 0 },
        "features fraction" => new ForestOptions { MaxFeatures = 1.5 },
        "samples without bootstrap" => new ForestOptions { Bootstrap = false, MaxSamples = 0.5 },
        "samples fraction" => new ForestOptions { MaxSamples = 0.0 },
        nameof(ForestOptions.MinImpurityDecrease) => new ForestOptions { MinImpurityDecrease = -0.1 },
        nameof(ForestOptions.OobScore) => new ForestOptions { Bootstrap = false, OobScore = true },
        nameof(ForestOptions.MaxBins) => new ForestOptions { MaxBins = 1 },
        nameof(ForestOptions.Threads) => new ForestOptions { Threads = 0 },
        nameof(ForestOptions.Criterion) => new ForestOptions { Criterion = (SplitCriterion)7 },
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Each_invalid_option_is_rejected_with_its_name_and_limit(string option, string message, string which)
    {
        var error = Assert.Throws<ModelConfigException>(() => new ForestTrainer(Broken(which)));
        Assert.Equal(option, error.Field);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Defaults_are_scikit_learns_and_valid()
    {
        var options = new ForestOptions();
        options.Validate();
        Assert.Equal(100, options.Trees);
        Assert.Null(options.MaxDepth);
        Assert.Equal(CountOrFraction.OfCount(2), options.MinSamplesSplit);
        Assert.Equal(CountOrFraction.OfCount(1), options.MinSamplesLeaf);
        Assert.Equal(MaxFeatures.Sqrt, options.MaxFeatures);
        Assert.Equal(SplitCriterion.Gini, options.Criterion);
        Assert.True(options.Bootstrap);
        Assert.False(options.OobScore);
        Assert.Equal(256, options.MaxBins);
    }

    [Fact]
    public void An_int_is_a_count_and_a_double_a_fraction()
    {
        var options = new ForestOptions { MinSamplesLeaf = 3, MinSamplesSplit = 0.25 };
        Assert.Equal(3, options.MinSamplesLeaf.Count);
        Assert.Null(options.MinSamplesLeaf.Fraction);
        Assert.Equal(0.25, options.MinSamplesSplit.Fraction);
        Assert.Equal(25, options.MinSamplesSplit.Resolve(100));
        Assert.Equal(26, CountOrFraction.OfFraction(0.251).Resolve(100)); // fractions round up, as in scikit-learn
    }

    [Theory]
    [InlineData("sqrt", 40, 6)]
    [InlineData("auto", 40, 6)]
    [InlineData("log2", 40, 5)]
    [InlineData("all", 40, 40)]
    [InlineData("none", 40, 40)]
    [InlineData("7", 40, 7)]
    [InlineData("0.5", 40, 20)]
    [InlineData("0.01", 40, 1)]
    [InlineData("sqrt", 2, 1)]
    public void Max_features_resolves_like_scikit_learn(string text, int features, int expected) =>
        Assert.Equal(expected, MaxFeatures.Parse(text).Resolve(features));

    [Fact]
    public void Unknown_max_features_text_is_rejected()
    {
        var error = Assert.Throws<ModelConfigException>(() => MaxFeatures.Parse("half"));
        Assert.Equal("max_features", error.Field);
    }

    [Fact]
    public void Counts_larger_than_the_data_are_rejected_at_fit()
    {
        var data = Tiny();
        var features = Assert.Throws<ModelConfigException>(
            () => new ForestTrainer(new ForestOptions { MaxFeatures = 3, RandomState = 1 }).Fit(data));
        Assert.Equal("max_features", features.Field);
        Assert.Equal("max_features must be at most the number of features, 2 (got 3)", features.Message);

        var samples = Assert.Throws<ModelConfigException>(
            () => new ForestTrainer(new ForestOptions { MaxSamples = 7, RandomState = 1 }).Fit(data));
        Assert.Equal("max_samples", samples.Field);
        Assert.Equal("max_samples must be at most the number of rows, 6 (got 7)", samples.Message);
    }

    [Fact]
    public void Non_finite_features_are_rejected_naming_the_cell()
    {
        var data = Make([[1, 2], [3, float.NaN]], [0, 1]);
        var error = Assert.Throws<ArgumentException>(() => new ForestTrainer(new ForestOptions { RandomState = 1 }).Fit(data));
        Assert.StartsWith("feature 1 of row 1 is not finite", error.Message);
    }

    [Fact]
    public void Federated_training_needs_a_seed()
    {
        var data = Tiny();
        var error = Assert.Throws<ModelConfigException>(
            () => new FederatedForestPlan(new ForestOptions(), BinEdges.Compute(data), [0f, 1f], data.Rows));
        Assert.Equal("random_state", error.Field);
    }

    [Fact]
    public void The_memory_estimate_adds_up_its_documented_parts()
    {
        // Per node 32 bytes + 4 per class; a tree of L leaves has 2L − 1 nodes; per worker 7 int row buffers, two
        // histograms of 4-byte counts (classes + 1 per bin) and two node lists of (node + 12) bytes; binned features of
        // 1 byte (2 above 256 bins); an out-of-bag bit per row and tree in 8-byte words.
        var plain = new ForestOptions { Trees = 2, Threads = 1 };
        Assert.Equal(199, plain.MaxNodesPerTree(100));
        // 2·199·44 trees + (7·4·100 + 2·1024 + 199·(2·44 + 12)) one worker + 100·4 binned
        Assert.Equal(2 * 199 * 44 + (2800 + 2048 + 199 * 100) + 400, plain.EstimateMemoryBytes(100, 4, 3, 16));

        var bounded = new ForestOptions { Trees = 3, Threads = 2, MaxDepth = 3, MinSamplesLeaf = 5, OobScore = true };
        // 1,000 rows / 5 per leaf = 200 leaves, but depth 3 allows 8: 15 nodes.
        Assert.Equal(15, bounded.MaxNodesPerTree(1000));
        // 3·15·40 trees + 2 workers·(28,000 + 2·7,200 + 15·92) + 1,000·2·2 binned + 3·8·⌊1,063/64⌋ out-of-bag
        Assert.Equal(3 * 15 * 40 + 2 * (28_000 + 14_400 + 1380) + 4000 + 3 * 8 * 16, bounded.EstimateMemoryBytes(1000, 2, 2, 300));

        // A fraction of the rows per leaf, rounded up; a depth too large to bound anything.
        Assert.Equal(19, new ForestOptions { MinSamplesLeaf = 0.1 }.MaxNodesPerTree(1000));
        Assert.Equal(1999, new ForestOptions { MaxDepth = 70 }.MaxNodesPerTree(1000));
        Assert.Equal(1, new ForestOptions { MinSamplesLeaf = 50 }.MaxNodesPerTree(10));
    }
}
