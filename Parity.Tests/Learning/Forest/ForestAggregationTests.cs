using Parity.Learning.Forest;
using Parity.Learning.Partitioning;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

public sealed class ForestAggregationTests
{
    [Fact]
    public void The_union_holds_every_tree_and_sample_weighted_importances()
    {
        var (train, test) = Split(Digits);
        var parts = Partitioner.SelectAll(train.Labels.Span, new PartitionConfig
        {
            Strategy = PartitionStrategy.Random, TotalParts = 3, PartIndex = 0, Seed = 1,
        });
        var contributions = parts
            .Select((rows, p) => new ForestContribution(
                new ForestTrainer(new ForestOptions { Trees = 10 + p, RandomState = p }).Fit(train.Subset(rows)), rows.Length))
            .ToArray();

        var union = ForestAggregation.Union(contributions);

        Assert.Equal(33, union.Trees.Count);
        Assert.Same(contributions[1].Forest.Trees[0], union.Trees[10]);
        var total = (double)contributions.Sum(c => c.SampleCount);
        for (var f = 0; f < train.Columns; f++)
        {
            var expected = contributions.Sum(c => c.Forest.FeatureImportances[f] * c.SampleCount / total);
            Assert.Equal(expected, union.FeatureImportances[f], 12);
        }
        Assert.Equal(1.0, union.FeatureImportances.Sum(), 12);
        Assert.True(union.Score(test) >= 0.9, $"union accuracy {union.Score(test)}");
        Assert.True(union.Score(test) >= contributions.Min(c => c.Forest.Score(test)));
    }

    [Fact]
    public void Participants_missing_classes_vote_zero_for_them()
    {
        var (train, test) = Split(Digits);
        var labels = train.Labels.ToArray();
        var low = Enumerable.Range(0, train.Rows).Where(r => labels[r] < 5).ToArray();
        var high = Enumerable.Range(0, train.Rows).Where(r => labels[r] >= 3).ToArray();
        var lowForest = new ForestTrainer(new ForestOptions { Trees = 8, RandomState = 1 }).Fit(train.Subset(low));
        var highForest = new ForestTrainer(new ForestOptions { Trees = 8, RandomState = 2 }).Fit(train.Subset(high));

        var union = ForestAggregation.Union([new(lowForest, low.Length), new(highForest, high.Length)]);

        Assert.Equal(Enumerable.Range(0, 10).Select(c => (float)c), union.Classes);
        var row = test.Row(0);
        var expected = new double[10];
        var lowProba = lowForest.PredictProba(row);
        var highProba = highForest.PredictProba(row);
        for (var c = 0; c < 5; c++) expected[c] += lowProba[c] * 8 / 16;
        for (var c = 0; c < 7; c++) expected[c + 3] += highProba[c] * 8 / 16;
        var actual = union.PredictProba(row);
        for (var c = 0; c < 10; c++) Assert.Equal(expected[c], actual[c], 6);
        Assert.True(union.Score(test) > 0.8);
    }

    [Fact]
    public void Forests_over_different_features_cannot_be_combined()
    {
        var a = new ForestTrainer(SingleExactTree).Fit(Tiny());
        var b = new ForestTrainer(SingleExactTree).Fit(Make([[1], [2]], [0, 1]));
        var error = Assert.Throws<ArgumentException>(() => ForestAggregation.Union([new(a, 6), new(b, 2)]));
        Assert.StartsWith("contribution 1 has 1 features, contribution 0 has 2", error.Message);
        Assert.StartsWith("contribution 0 has sample count 0",
            Assert.Throws<ArgumentException>(() => ForestAggregation.Union([new(a, 0)])).Message);
    }
}
