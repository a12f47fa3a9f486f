using Parity.Learning.Forest;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

public sealed class BootstrapTests
{
    private static ForestSettings Settings(ForestOptions options, int rows) =>
        ForestSettings.Resolve(options, rows, features: 4, classes: 3, seed: options.RandomState!.Value);

    [Fact]
    public void Counts_follow_a_poisson_distribution_with_the_max_samples_rate()
    {
        const int rows = 100_000;
        var ids = Enumerable.Range(0, rows).ToArray();
        var weights = new int[rows];
        ForestRandom.RowWeights(Settings(new ForestOptions { RandomState = 3 }, rows), 0, ids, weights);
        // Poisson(1): P(0) = P(1) = e^−1 ≈ 0.368, P(2) ≈ 0.184, mean 1.
        Assert.InRange(weights.Count(w => w == 0) / (double)rows, 0.36, 0.376);
        Assert.InRange(weights.Count(w => w == 1) / (double)rows, 0.36, 0.376);
        Assert.InRange(weights.Count(w => w == 2) / (double)rows, 0.178, 0.19);
        Assert.InRange(weights.Average(), 0.99, 1.01);

        ForestRandom.RowWeights(Settings(new ForestOptions { RandomState = 3, MaxSamples = 0.25 }, rows), 0, ids, weights);
        Assert.InRange(weights.Average(), 0.24, 0.26);
    }

    [Fact]
    public void A_rows_count_depends_only_on_seed_tree_and_its_global_id()
    {
        const int rows = 1000;
        var settings = Settings(new ForestOptions { RandomState = 5 }, rows);
        var ids = Enumerable.Range(0, rows).ToArray();
        var all = new int[rows];
        ForestRandom.RowWeights(settings, 2, ids, all);

        // Any subset, in any order, draws the same counts for its rows.
        var subset = new[] { 999, 3, 64, 65, 7, 128, 0 };
        var some = new int[subset.Length];
        ForestRandom.RowWeights(settings, 2, subset, some);
        Assert.Equal(subset.Select(r => all[r]), some);

        var otherTree = new int[rows];
        ForestRandom.RowWeights(settings, 3, ids, otherTree);
        Assert.NotEqual(all, otherTree);
    }

    [Fact]
    public void The_oob_score_uses_only_trees_a_row_was_out_of_bag_for_and_skips_rows_never_out()
    {
        var data = Iris;
        var options = new ForestOptions { Trees = 3, RandomState = 12, OobScore = true };
        var forest = new ForestTrainer(options).Fit(data);
        var settings = ForestSettings.Resolve(options, data.Rows, data.Columns, 3, 12);
        var ids = Enumerable.Range(0, data.Rows).ToArray();
        var weights = new int[3][];
        for (var t = 0; t < 3; t++) ForestRandom.RowWeights(settings, t, ids, weights[t] = new int[data.Rows]);

        int correct = 0, counted = 0;
        for (var r = 0; r < data.Rows; r++)
        {
            var proba = new double[3];
            var used = 0;
            for (var t = 0; t < 3; t++)
            {
                if (weights[t][r] != 0) continue;
                var leaf = forest.Trees[t].LeafOf(data.Row(r));
                for (var c = 0; c < 3; c++) proba[c] += forest.Trees[t].Value(leaf)[c];
                used++;
            }
            if (used == 0) continue;
            counted++;
            if (Array.IndexOf(proba, proba.Max()) == (int)data.Label(r)) correct++;
        }
        Assert.True(counted < data.Rows, "with 3 trees some rows are in bag for all of them");
        Assert.True(counted > data.Rows / 2);
        Assert.Equal((double)correct / counted, forest.OobScore);
    }
}
