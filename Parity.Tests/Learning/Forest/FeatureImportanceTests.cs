using Parity.Learning.Forest;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

/// <summary>
/// scikit-learn's normalisation of feature importances, pinned directly: each tree's importances are its impurity
/// decrease per feature scaled to sum to 1, and the forest's are the mean of those, scaled to sum to 1. The forest's
/// final scaling hides a tree left unscaled from any check on the forest's sum alone.
/// </summary>
public sealed class FeatureImportanceTests
{
    [Fact]
    public void The_hand_computed_trees_importances_sum_to_one()
    {
        // The tiny tree's two splits each decrease the weighted gini by 0.25 (ForestTrainerTests): [0.25, 0.25] raw.
        var tree = Assert.Single(new ForestTrainer(SingleExactTree).Fit(Tiny()).Trees);

        Assert.Equal([0.5, 0.5], tree.FeatureImportances());
    }

    [Fact]
    public void Each_trees_importances_are_its_decreases_scaled_to_one_and_the_forests_their_scaled_mean()
    {
        var (train, _) = Split(Digits);
        var forest = new ForestTrainer(new ForestOptions { Trees = 8, MaxDepth = 5, RandomState = 4 }).Fit(train);
        var rawSums = new List<double>();
        var mean = new double[train.Columns];

        foreach (var tree in forest.Trees)
        {
            var raw = Decreases(tree);
            var sum = raw.Sum();
            rawSums.Add(sum);
            var importances = tree.FeatureImportances();
            Assert.Equal(1.0, importances.Sum(), 12);
            for (var f = 0; f < raw.Length; f++)
            {
                Assert.Equal(raw[f] / sum, importances[f], 12);
                mean[f] += raw[f] / sum / forest.Trees.Count;
            }
        }
        // The trees' decreases differ in total, so a mean of unscaled trees would weigh them differently.
        Assert.True(rawSums.Max() - rawSums.Min() > 1e-3, $"decrease totals {string.Join(", ", rawSums)}");
        Assert.True(rawSums.All(s => s < 0.999), $"decrease totals {string.Join(", ", rawSums)}");

        Assert.Equal(1.0, forest.FeatureImportances.Sum(), 12);
        var meanSum = mean.Sum();
        for (var f = 0; f < mean.Length; f++) Assert.Equal(mean[f] / meanSum, forest.FeatureImportances[f], 12);
    }

    /// <summary>Σ over the tree's splits on each feature of N_t·I_t − N_L·I_L − N_R·I_R, over the root's N.</summary>
    private static double[] Decreases(DecisionTree tree)
    {
        var decreases = new double[tree.FeatureCount];
        var n = tree.WeightedSamples;
        var impurity = tree.Impurity;
        for (var i = 0; i < tree.NodeCount; i++)
        {
            if (tree.IsLeaf(i)) continue;
            int l = tree.Left[i], r = tree.Right[i];
            decreases[tree.Feature[i]] += (n[i] * impurity[i] - n[l] * impurity[l] - n[r] * impurity[r]) / n[0];
        }
        return decreases;
    }
}
