using Parity.Learning.Models;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

public sealed class BinEdgesTests
{
    [Fact]
    public void Few_distinct_values_get_one_bin_each_cut_at_midpoints()
    {
        var data = Make([[1], [3], [3], [7], [1]], [0, 1, 0, 1, 0]);
        var edges = BinEdges.Compute(data);
        Assert.Equal([2f, 5f], edges.Thresholds(0).ToArray());
        Assert.Equal(0, edges.BinOf(0, 1));
        Assert.Equal(0, edges.BinOf(0, 2)); // a value equal to a threshold goes left, like x ≤ t
        Assert.Equal(1, edges.BinOf(0, 3));
        Assert.Equal(2, edges.BinOf(0, 7));
        Assert.Equal(2, edges.BinOf(0, 100));
    }

    [Fact]
    public void Many_distinct_values_are_cut_at_quantiles()
    {
        var values = Enumerable.Range(0, 1000).Select(i => (float)i).ToArray();
        var data = new Dataset(values, 1000, 1, new float[1000]);
        var edges = BinEdges.Compute(data, maxBins: 10);
        Assert.Equal(10, edges.BinCount(0));
        var counts = new int[10];
        foreach (var v in values) counts[edges.BinOf(0, v)]++;
        Assert.All(counts, c => Assert.Equal(100, c));
    }

    [Fact]
    public void Adjacent_floats_still_get_a_threshold_between_them()
    {
        var a = 1f;
        var b = MathF.BitIncrement(a);
        var edges = BinEdges.Compute(Make([[a], [b]], [0, 1]));
        var t = edges.Thresholds(0)[0];
        Assert.True(a <= t && t < b);
        Assert.Equal(0, edges.BinOf(0, a));
        Assert.Equal(1, edges.BinOf(0, b));
    }

    [Fact]
    public void Merged_participant_summaries_equal_the_edges_of_the_union()
    {
        var data = Digits; // at most 17 distinct values per pixel: summaries are exact
        var parts = Partitioner.SelectAll(data.Labels.Span, new PartitionConfig
        {
            Strategy = PartitionStrategy.Random, TotalParts = 3, PartIndex = 0, Seed = 5,
        });
        var summaries = parts.Select(rows => ValueSummary.Of(data.Subset(rows))).ToArray();
        var merged = BinEdges.FromSummaries(summaries);
        var central = BinEdges.Compute(data);
        for (var f = 0; f < data.Columns; f++) Assert.Equal(central.Thresholds(f).ToArray(), merged.Thresholds(f).ToArray());
    }

    [Fact]
    public void Compressed_summaries_still_give_about_equal_count_bins()
    {
        var random = new SeededRandom(3);
        var values = Enumerable.Range(0, 20000).Select(_ => (float)random.NextNormal()).ToArray();
        var shards = new[] { values[..7000], values[7000..] }
            .Select(v => ValueSummary.Of(new Dataset(v, v.Length, 1, new float[v.Length]), maxPoints: 200))
            .ToArray();
        Assert.All(shards, s => Assert.True(s.Values(0).Length <= 200));
        var edges = BinEdges.FromSummaries(shards, maxBins: 20);
        var counts = new int[edges.BinCount(0)];
        foreach (var v in values) counts[edges.BinOf(0, v)]++;
        Assert.Equal(20, counts.Length);
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Given_thresholds_are_checked()
    {
        Assert.Contains("not strictly increasing", Assert.Throws<ArgumentException>(() => BinEdges.FromThresholds([[1f, 1f]])).Message);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => BinEdges.FromThresholds([[float.NaN]])).Message);
        var edges = BinEdges.FromThresholds([[0.5f], []]);
        Assert.Equal(2, edges.BinCount(0));
        Assert.Equal(1, edges.BinCount(1));
    }

    [Fact]
    public void Given_thresholds_are_checked_feature_by_feature_and_copied()
    {
        string Refused(IReadOnlyList<float[]> thresholds) => Assert.Throws<ArgumentException>(() => BinEdges.FromThresholds(thresholds)).Message;
        Assert.StartsWith("bin edges need at least one feature", Refused([]));
        Assert.StartsWith("feature 1 has no thresholds array", Refused([[0f], null!]));
        var most = Enumerable.Range(0, ForestOptions.MaxBinsLimit - 1).Select(i => (float)i).ToArray();
        Assert.Equal(ForestOptions.MaxBinsLimit, BinEdges.FromThresholds([most]).BinCount(0));
        Assert.StartsWith($"feature 0 has {ForestOptions.MaxBinsLimit + 1} bins, more than {ForestOptions.MaxBinsLimit}",
            Refused([[.. most, ForestOptions.MaxBinsLimit]]));
        Assert.StartsWith("feature 1 threshold 2 is not finite", Refused([[0f], [1f, 2f, float.PositiveInfinity]]));
        Assert.StartsWith("feature 0 thresholds are not strictly increasing at index 1", Refused([[2f, 1f]]));

        var given = new[] { 1f, 2f };
        var edges = BinEdges.FromThresholds([given]);
        given[0] = 5f;
        Assert.Equal(0, edges.BinOf(0, 1f));
        Assert.Equal(1, edges.BinOf(0, 1.5f));
    }

    [Fact]
    public void Summaries_are_checked_before_edges_are_built_from_them()
    {
        var one = new ValueSummary([[1f, 2f]], [[1, 1]]);
        var two = new ValueSummary([[1f], [3f]], [[1], [1]]);
        Assert.StartsWith("no summaries to build bin edges from",
            Assert.Throws<ArgumentException>(() => BinEdges.FromSummaries([])).Message);
        Assert.StartsWith("summaries disagree on the number of features",
            Assert.Throws<ArgumentException>(() => BinEdges.FromSummaries([one, two])).Message);
        Assert.Equal("max_bins", Assert.Throws<ModelConfigException>(() => BinEdges.FromSummaries([one], maxBins: 1)).Field);
        Assert.Equal("max_bins", Assert.Throws<ModelConfigException>(() => BinEdges.FromSummaries([one], maxBins: ForestOptions.MaxBinsLimit + 1)).Field);
        Assert.Equal(2, BinEdges.FromSummaries([one], maxBins: 2).BinCount(0));

        string Refused(float[][] values, long[][] counts) => Assert.Throws<ArgumentException>(() => new ValueSummary(values, counts)).Message;
        Assert.StartsWith("2 value lists but 1 count lists", Refused([[1f], [2f]], [[1]]));
        Assert.StartsWith("feature 0 has 2 values but 1 counts", Refused([[1f, 2f]], [[1]]));
        Assert.StartsWith("feature 0 values must be finite and strictly increasing", Refused([[2f, 1f]], [[1, 1]]));
        Assert.StartsWith("feature 0 values must be finite and strictly increasing", Refused([[1f, 1f]], [[1, 1]]));
        Assert.StartsWith("feature 1 values must be finite and strictly increasing", Refused([[1f], [float.NaN]], [[1], [1]]));
        Assert.StartsWith("feature 0 has a count below 1", Refused([[1f, 2f]], [[1, 0]]));
    }
}
