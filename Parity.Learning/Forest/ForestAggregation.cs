namespace Parity.Learning.Forest;

/// <summary>One participant's forest and the number of rows it was trained on.</summary>
public sealed record ForestContribution(RandomForest Forest, long SampleCount);

/// <summary>Combining forests trained separately by several participants.</summary>
public static class ForestAggregation
{
    /// <summary>
    /// The union of the participants' trees (in contribution order), voting over the union of their classes: a tree
    /// gives probability 0 to a class its participant never saw. Importances are the participants' importances
    /// weighted by sample count (then scaled to sum to 1). The OOB score is not carried over: each participant's
    /// estimates its own trees, not the union.
    /// </summary>
    public static RandomForest Union(IReadOnlyList<ForestContribution> contributions)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        if (contributions.Count == 0) throw new ArgumentException("no forests to combine", nameof(contributions));
        var features = contributions[0].Forest.FeatureCount;
        var totalSamples = 0L;
        for (var p = 0; p < contributions.Count; p++)
        {
            var contribution = contributions[p] ?? throw new ArgumentException($"contribution {p} is null", nameof(contributions));
            if (contribution.Forest.FeatureCount != features)
                throw new ArgumentException(
                    $"contribution {p} has {contribution.Forest.FeatureCount} features, contribution 0 has {features}", nameof(contributions));
            if (contribution.SampleCount < 1)
                throw new ArgumentException($"contribution {p} has sample count {contribution.SampleCount}, expected at least 1", nameof(contributions));
            totalSamples += contribution.SampleCount;
        }

        var classes = contributions.SelectMany(c => c.Forest.Classes).Distinct().Order().ToArray();
        var trees = new List<DecisionTree>();
        var importances = new double[features];
        foreach (var (forest, samples) in contributions)
        {
            var columns = forest.Classes.Select(c => Array.BinarySearch(classes, c)).ToArray();
            trees.AddRange(columns.Length == classes.Length ? forest.Trees : forest.Trees.Select(t => Widen(t, columns, classes.Length)));
            for (var f = 0; f < features; f++) importances[f] += forest.FeatureImportances[f] * samples / totalSamples;
        }
        DecisionTree.Normalise(importances);
        return new RandomForest(trees, classes, importances);
    }

    /// <summary>The tree with its values spread over <paramref name="classCount"/> columns.</summary>
    private static DecisionTree Widen(DecisionTree tree, int[] columns, int classCount)
    {
        var values = new float[tree.NodeCount * classCount];
        for (var i = 0; i < tree.NodeCount; i++)
        {
            var own = tree.Value(i);
            for (var c = 0; c < own.Length; c++) values[i * classCount + columns[c]] = own[c];
        }
        return new DecisionTree(
            tree.FeatureCount, classCount, tree.Feature.ToArray(), tree.Threshold.ToArray(), tree.Left.ToArray(),
            tree.Right.ToArray(), tree.Impurity.ToArray(), tree.WeightedSamples.ToArray(), values);
    }
}
