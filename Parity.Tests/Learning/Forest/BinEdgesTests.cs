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
}
