using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

public sealed class ForestTrainerTests
{
    /// <summary>
    /// The 6-row example (x0 = 1..6, x1 = 1 only on row 5, y = 0 0 1 1 0 1), one tree on all rows and features.
    /// Root: gini 0.5. Weighted child gini of the candidates: x0 ≤ 1.5 → 0.4, ≤ 2.5 → 0.25, ≤ 3.5 → 4/9,
    /// ≤ 4.5 → 0.5, ≤ 5.5 → 0.4, x1 ≤ 0.5 → 0.4; so x0 ≤ 2.5, leaving rows 1–2 (pure) and rows 3–6 (y 1 1 0 1, gini
    /// 0.375). There x1 ≤ 0.5 separates perfectly (x0 cannot do better than 0.25). MDI: root (6·0.5 − 4·0.375)/6 =
    /// 0.25 for x0, second split (4·0.375)/6 = 0.25 for x1, so [0.5, 0.5]. scikit-learn 1.2.1 gives the same tree.
    /// </summary>
    [Fact]
    public void The_hand_computed_tree_comes_out_exactly()
    {
        var forest = new ForestTrainer(SingleExactTree).Fit(Tiny());
        var tree = Assert.Single(forest.Trees);

        Assert.Equal([0, -1, 1, -1, -1], tree.Feature.ToArray());
        Assert.Equal(2.5f, tree.Threshold[0]);
        Assert.Equal(0.5f, tree.Threshold[2]);
        Assert.Equal([1, -1, 3, -1, -1], tree.Left.ToArray());
        Assert.Equal([2, -1, 4, -1, -1], tree.Right.ToArray());
        Assert.Equal([6.0, 2, 4, 3, 1], tree.WeightedSamples.ToArray());
        Assert.Equal(0.5, tree.Impurity[0], 12);
        Assert.Equal(0.375, tree.Impurity[2], 12);
        Assert.Equal(0.0, tree.Impurity[1]);
        Assert.Equal([0.5f, 0.5f, 1f, 0f, 0.25f, 0.75f, 0f, 1f, 1f, 0f], tree.Values.ToArray());
        Assert.Equal([0.5, 0.5], forest.FeatureImportances.ToArray());
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 1f], forest.Predict(Tiny()));
    }

    [Fact]
    public void The_hand_computed_example_with_entropy()
    {
        // Entropy picks the same splits; root 1 bit, right node H(1/4) bits.
        var forest = new ForestTrainer(SingleExactTree with { Criterion = SplitCriterion.Entropy }).Fit(Tiny());
        var tree = forest.Trees[0];
        var h = -(0.25 * Math.Log2(0.25) + 0.75 * Math.Log2(0.75));
        Assert.Equal([0, -1, 1, -1, -1], tree.Feature.ToArray());
        Assert.Equal(1.0, tree.Impurity[0], 12);
        Assert.Equal(h, tree.Impurity[2], 12);
        var rootDecrease = (6 * 1.0 - 4 * h) / 6;
        var secondDecrease = 4 * h / 6;
        Assert.Equal(rootDecrease / (rootDecrease + secondDecrease), forest.FeatureImportances[0], 12);
        Assert.Equal(secondDecrease / (rootDecrease + secondDecrease), forest.FeatureImportances[1], 12);
    }

    [Fact]
    public void Min_impurity_decrease_prunes_splits_below_the_weighted_decrease()
    {
        // The tiny tree's two splits decrease impurity by exactly 0.25 each (weighted by N_t/N).
        var keepsBoth = new ForestTrainer(SingleExactTree with { MinImpurityDecrease = 0.25 }).Fit(Tiny()).Trees[0];
        Assert.Equal(5, keepsBoth.NodeCount);
        var keepsNone = new ForestTrainer(SingleExactTree with { MinImpurityDecrease = 0.2501 }).Fit(Tiny()).Trees[0];
        Assert.Equal(1, keepsNone.NodeCount);

        var (train, _) = Split(Digits);
        var options = new ForestOptions { Trees = 5, RandomState = 3, Threads = 1 };
        var free = new ForestTrainer(options).Fit(train);
        var pruned = new ForestTrainer(options with { MinImpurityDecrease = 0.002 }).Fit(train);
        Assert.True(pruned.Trees.Sum(t => t.NodeCount) < free.Trees.Sum(t => t.NodeCount) / 2);
        foreach (var tree in pruned.Trees)
        {
            for (var i = 0; i < tree.NodeCount; i++)
            {
                if (tree.IsLeaf(i)) continue;
                int l = tree.Left[i], r = tree.Right[i];
                var w = tree.WeightedSamples;
                var decrease = (w[i] * tree.Impurity[i] - w[l] * tree.Impurity[l] - w[r] * tree.Impurity[r]) / w[0];
                Assert.True(decrease >= 0.002 - 1e-12, $"node {i} decreases impurity by only {decrease}");
            }
        }
    }

    [Fact]
    public void Max_depth_bounds_every_tree()
    {
        var (train, _) = Split(Digits);
        var stump = new ForestTrainer(new ForestOptions { Trees = 4, MaxDepth = 1, RandomState = 1 }).Fit(train);
        Assert.All(stump.Trees, t => Assert.Equal(3, t.NodeCount));

        var deep = new ForestTrainer(new ForestOptions { Trees = 4, MaxDepth = 4, RandomState = 1 }).Fit(train);
        Assert.All(deep.Trees, t => Assert.Equal(4, t.Depth)); // digits cannot be separated in 4 levels
        var unlimited = new ForestTrainer(new ForestOptions { Trees = 4, RandomState = 1 }).Fit(train);
        Assert.All(unlimited.Trees, t => Assert.True(t.Depth > 4));
    }

    [Fact]
    public void Min_samples_leaf_and_split_bound_node_sizes()
    {
        var (train, _) = Split(Digits);
        // Without bootstrap a node's weighted count is its row count.
        var options = new ForestOptions { Trees = 4, Bootstrap = false, RandomState = 2 };
        var leafy = new ForestTrainer(options with { MinSamplesLeaf = 20 }).Fit(train);
        foreach (var tree in leafy.Trees)
        {
            for (var i = 0; i < tree.NodeCount; i++)
            {
                if (tree.IsLeaf(i)) Assert.True(tree.WeightedSamples[i] >= 20);
            }
        }
        var plain = new ForestTrainer(options).Fit(train);
        Assert.Contains(plain.Trees, t => Enumerable.Range(0, t.NodeCount).Any(i => t.IsLeaf(i) && t.WeightedSamples[i] < 20));

        var splitty = new ForestTrainer(options with { MinSamplesSplit = 0.1 }).Fit(train); // ⌈0.1 · rows⌉
        var minimum = Math.Ceiling(0.1 * train.Rows);
        foreach (var tree in splitty.Trees)
        {
            for (var i = 0; i < tree.NodeCount; i++)
            {
                if (!tree.IsLeaf(i)) Assert.True(tree.WeightedSamples[i] >= minimum);
            }
        }
        Assert.True(splitty.Trees.Sum(t => t.NodeCount) < plain.Trees.Sum(t => t.NodeCount));
    }

    [Fact]
    public void Bootstrap_and_max_samples_set_each_trees_sample_weight()
    {
        var (train, _) = Split(Digits);
        var all = new ForestTrainer(new ForestOptions { Trees = 10, Bootstrap = false, RandomState = 1 }).Fit(train);
        Assert.All(all.Trees, t => Assert.Equal(train.Rows, t.WeightedSamples[0]));

        // Poisson(rate) counts per row: the total is near rate · rows, and differs from tree to tree.
        var full = new ForestTrainer(new ForestOptions { Trees = 10, RandomState = 1 }).Fit(train);
        Assert.All(full.Trees, t => Assert.InRange(t.WeightedSamples[0], train.Rows * 0.9, train.Rows * 1.1));
        Assert.True(full.Trees.Select(t => t.WeightedSamples[0]).Distinct().Count() > 1);
        var half = new ForestTrainer(new ForestOptions { Trees = 10, RandomState = 1, MaxSamples = 0.5 }).Fit(train);
        Assert.All(half.Trees, t => Assert.InRange(t.WeightedSamples[0], train.Rows * 0.4, train.Rows * 0.6));
        var count = new ForestTrainer(new ForestOptions { Trees = 10, RandomState = 1, MaxSamples = 300 }).Fit(train);
        Assert.All(count.Trees, t => Assert.InRange(t.WeightedSamples[0], 240, 360));
    }

    [Fact]
    public void The_same_seed_gives_the_same_forest_whatever_the_thread_count()
    {
        var (train, _) = Split(Digits);
        var options = new ForestOptions { Trees = 12, RandomState = 7, OobScore = true };
        var one = Bytes(new ForestTrainer(options with { Threads = 1 }).Fit(train));
        var two = Bytes(new ForestTrainer(options with { Threads = 2 }).Fit(train));
        var four = Bytes(new ForestTrainer(options with { Threads = 4 }).Fit(train));
        var again = Bytes(new ForestTrainer(options with { Threads = 2 }).Fit(train));
        Assert.Equal(one, two);
        Assert.Equal(one, four);
        Assert.Equal(one, again);

        var other = Bytes(new ForestTrainer(options with { RandomState = 8 }).Fit(train));
        Assert.NotEqual(one, other);
    }

    [Fact]
    public void Children_add_up_to_their_parent_on_both_histogram_paths()
    {
        // max_features = all grows with histogram subtraction; a fraction under half with direct passes per feature.
        var (train, _) = Split(Digits);
        foreach (var maxFeatures in new MaxFeatures[] { MaxFeatures.All, 0.45 })
        {
            var forest = new ForestTrainer(new ForestOptions { Trees = 3, MaxFeatures = maxFeatures, RandomState = 5 }).Fit(train);
            foreach (var tree in forest.Trees) AssertChildrenPartitionParents(tree);
        }
    }

    private static void AssertChildrenPartitionParents(DecisionTree tree)
    {
        for (var i = 0; i < tree.NodeCount; i++)
        {
            if (tree.IsLeaf(i)) continue;
            int l = tree.Left[i], r = tree.Right[i];
            Assert.Equal(tree.WeightedSamples[i], tree.WeightedSamples[l] + tree.WeightedSamples[r]);
            for (var c = 0; c < tree.ClassCount; c++)
            {
                var parent = tree.Value(i)[c] * tree.WeightedSamples[i];
                var children = tree.Value(l)[c] * tree.WeightedSamples[l] + tree.Value(r)[c] * tree.WeightedSamples[r];
                Assert.Equal(parent, children, 3);
            }
        }
    }

    [Fact]
    public void Iris_is_learned_well()
    {
        var (train, test) = Split(Iris);
        var forest = new ForestTrainer(new ForestOptions { RandomState = 0 }).Fit(train);
        Assert.True(forest.Score(test) >= 0.9, $"iris accuracy {forest.Score(test)}");
    }

    [Fact]
    public void Digits_is_learned_well_and_the_oob_score_estimates_test_accuracy()
    {
        var (train, test) = Split(Digits);
        var forest = new ForestTrainer(new ForestOptions { RandomState = 0, OobScore = true }).Fit(train);
        var accuracy = forest.Score(test);
        Assert.True(accuracy >= 0.9, $"digits accuracy {accuracy}");
        Assert.NotNull(forest.OobScore);
        Assert.InRange(forest.OobScore!.Value, accuracy - 0.04, accuracy + 0.04);
    }

    [Fact]
    public void Probabilities_are_distributions_and_predict_is_their_argmax()
    {
        var (train, test) = Split(Digits);
        var forest = new ForestTrainer(new ForestOptions { Trees = 20, RandomState = 4 }).Fit(train);
        var proba = forest.PredictProba(test);
        var predicted = forest.Predict(test);
        Assert.Equal(test.Rows * 10, proba.Length);
        for (var r = 0; r < test.Rows; r++)
        {
            var row = proba.AsSpan(r * 10, 10);
            var sum = 0.0;
            foreach (var p in row)
            {
                Assert.InRange(p, 0, 1);
                sum += p;
            }
            Assert.Equal(1.0, sum, 5);
            Assert.Equal(forest.Classes[row.IndexOf(row.ToArray().Max())], predicted[r]);
            Assert.Equal(row.ToArray(), forest.PredictProba(test.Row(r)));
        }
    }

    [Fact]
    public void Classes_keep_their_label_values()
    {
        var data = Make([[0], [1], [2], [3], [4], [5]], [7, 7, 7, -2, -2, -2]);
        var forest = new ForestTrainer(SingleExactTree).Fit(data);
        Assert.Equal([-2f, 7f], forest.Classes);
        Assert.Equal(7f, forest.Predict([0.5f]));
        Assert.Equal(-2f, forest.Predict([4.5f]));
        Assert.Equal([0.0, 1.0], forest.PredictProba([1f]));
    }

    [Fact]
    public void Importances_are_a_distribution_concentrated_on_the_only_informative_feature()
    {
        var data = OnlyFeatureZeroMatters(2000, 8, seed: 11);
        var forest = new ForestTrainer(new ForestOptions { Trees = 30, RandomState = 2 }).Fit(data);
        var importances = forest.FeatureImportances;
        Assert.Equal(1.0, importances.Sum(), 12);
        Assert.All(importances, v => Assert.True(v >= 0));
        Assert.True(importances[0] > 0.5, $"feature 0 has importance {importances[0]}");
        Assert.Equal(0, importances.ToList().IndexOf(importances.Max()));
    }

    [Fact]
    public void Forest_importances_are_the_mean_of_the_trees_then_normalised()
    {
        var (train, _) = Split(Digits);
        var forest = new ForestTrainer(new ForestOptions { Trees = 6, RandomState = 9 }).Fit(train);
        var mean = new double[train.Columns];
        foreach (var tree in forest.Trees)
        {
            var own = tree.FeatureImportances();
            Assert.Equal(1.0, own.Sum(), 12);
            for (var f = 0; f < mean.Length; f++) mean[f] += own[f] / forest.Trees.Count;
        }
        var sum = mean.Sum();
        for (var f = 0; f < mean.Length; f++) Assert.Equal(mean[f] / sum, forest.FeatureImportances[f], 12);
    }

    [Fact]
    public void Max_bins_limits_the_thresholds_to_the_bin_edges()
    {
        var (train, test) = Split(Digits);
        var edges = BinEdges.Compute(train, maxBins: 4);
        for (var f = 0; f < edges.FeatureCount; f++) Assert.True(edges.BinCount(f) <= 4);
        var forest = new ForestTrainer(new ForestOptions { Trees = 20, MaxBins = 4, RandomState = 3 }).Fit(train);
        foreach (var tree in forest.Trees)
        {
            for (var i = 0; i < tree.NodeCount; i++)
            {
                if (!tree.IsLeaf(i)) Assert.Contains(tree.Threshold[i], edges.Thresholds(tree.Feature[i]).ToArray());
            }
        }
        Assert.True(forest.Score(test) > 0.7);
    }

    [Fact]
    public void More_than_256_bins_work_on_raw_thresholds()
    {
        var data = OnlyFeatureZeroMatters(3000, 3, seed: 6);
        var (train, test) = Split(data);
        var forest = new ForestTrainer(new ForestOptions { Trees = 10, MaxBins = 1000, MaxFeatures = MaxFeatures.All, RandomState = 1 }).Fit(train);
        Assert.True(BinEdges.Compute(train, 1000).MaxBinCount > 256);
        Assert.True(forest.Score(test) > 0.97, $"accuracy {forest.Score(test)}");
        // The root split lands close to the true boundary at 0.5.
        Assert.All(forest.Trees, t => Assert.InRange(t.Threshold[0], 0.47f, 0.53f));
    }

    [Fact]
    public void Fitting_on_no_rows_fails_clearly()
    {
        var empty = new Dataset([], 0, 3, []);
        var error = Assert.Throws<ArgumentException>(() => new ForestTrainer(new ForestOptions()).Fit(empty));
        Assert.StartsWith("cannot fit a forest on no rows", error.Message);
    }

    [Fact]
    public void Labels_that_are_a_numeric_target_are_refused_saying_what_to_use_instead()
    {
        var fractional = Make([[1f], [2f], [3f]], [0f, 1.5f, 1f]);
        var error = Assert.Throws<ModelConfigException>(() => ForestTrainer.ImpliedClasses(fractional));
        Assert.Equal("labels", error.Field);
        Assert.StartsWith("label 1.5 is not a whole number: random_forest is a classifier", error.Message);

        var most = Enumerable.Range(0, ForestTrainer.MaxImpliedClasses).Select(i => (float)i).ToArray();
        Assert.Equal(most, ForestTrainer.ImpliedClasses(Make(most.Select(v => new[] { v }).ToArray(), most)));
        var tooMany = most.Append(ForestTrainer.MaxImpliedClasses).ToArray();
        var many = Assert.Throws<ModelConfigException>(() => ForestTrainer.ImpliedClasses(Make(tooMany.Select(v => new[] { v }).ToArray(), tooMany)));
        Assert.Equal("labels", many.Field);
        Assert.Contains($"have {ForestTrainer.MaxImpliedClasses + 1} distinct values, more than the {ForestTrainer.MaxImpliedClasses} classes", many.Message);
    }

    [Fact]
    public void Bin_edges_for_other_data_are_refused()
    {
        var edges = BinEdges.FromThresholds([[0.5f], [0.5f]]);
        var error = Assert.Throws<ArgumentException>(() => new ForestTrainer(new ForestOptions { Trees = 1, RandomState = 1 }).Fit(Iris, edges));
        Assert.StartsWith("bin edges are for 2 features, the data has 4", error.Message);
    }

    [Fact]
    public void A_single_class_gives_leaves_that_predict_it()
    {
        var data = Make([[1], [2], [3]], [4, 4, 4]);
        var forest = new ForestTrainer(new ForestOptions { Trees = 3, RandomState = 1 }).Fit(data);
        Assert.All(forest.Trees, t => Assert.Equal(1, t.NodeCount));
        Assert.Equal(4f, forest.Predict([10f]));
        Assert.All(forest.FeatureImportances, v => Assert.Equal(0, v));
    }
}
