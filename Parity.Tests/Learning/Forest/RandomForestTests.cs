using Parity.Learning.Forest;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

/// <summary>
/// <see cref="RandomForest"/> assembled from trees that may come from peers (tree union, a stored model): trees that
/// disagree with each other or with the forest's classes, and importances or scores outside their range, are refused
/// with what is wrong; rows of the wrong width are refused before a tree reads past them.
/// </summary>
public sealed class RandomForestTests
{
    /// <summary>A one-split tree over <paramref name="features"/> features voting for class 0 left, class 1 right.</summary>
    private static DecisionTree Stump(int features = 2, int classes = 2)
    {
        var values = new float[3 * classes];
        values[0] = 0.5f;
        values[1] = 0.5f;
        values[classes] = 1;
        values[2 * classes + 1] = 1;
        return new DecisionTree(features, classes, [0, -1, -1], [1f, 0, 0], [1, -1, -1], [2, -1, -1], [0.5, 0, 0], [4, 2, 2], values);
    }

    private static string Refused(Func<RandomForest> build) => Assert.Throws<ArgumentException>(build).Message;

    [Fact]
    public void Trees_that_disagree_with_each_other_or_with_the_classes_are_refused()
    {
        Assert.StartsWith("a forest needs at least one tree", Refused(() => new RandomForest([], [0f, 1f])));
        Assert.StartsWith("tree 1 has 3 features, tree 0 has 2", Refused(() => new RandomForest([Stump(), Stump(features: 3)], [0f, 1f])));
        Assert.StartsWith("tree 0 has 2 classes, the forest 3", Refused(() => new RandomForest([Stump()], [0f, 1f, 2f])));
        Assert.StartsWith("tree 2 has 3 classes, the forest 2",
            Refused(() => new RandomForest([Stump(), Stump(), Stump(classes: 3)], [0f, 1f])));
        Assert.StartsWith("classes must be finite and strictly increasing", Refused(() => new RandomForest([Stump()], [1f, 0f])));
        Assert.StartsWith("classes must be finite and strictly increasing", Refused(() => new RandomForest([Stump()], [0f, 0f])));
        Assert.StartsWith("classes must be finite and strictly increasing", Refused(() => new RandomForest([Stump()], [float.NaN, 1f])));
        Assert.StartsWith("a forest needs at least one class", Refused(() => new RandomForest([Stump()], [])));
    }

    [Fact]
    public void Importances_and_the_oob_score_are_checked_against_their_ranges()
    {
        Assert.StartsWith("3 importances for 2 features", Refused(() => new RandomForest([Stump()], [0f, 1f], [0.5, 0.25, 0.25])));
        Assert.StartsWith("importances must be finite and non-negative", Refused(() => new RandomForest([Stump()], [0f, 1f], [1.5, -0.5])));
        Assert.StartsWith("importances must be finite and non-negative", Refused(() => new RandomForest([Stump()], [0f, 1f], [double.NaN, 0])));
        Assert.StartsWith("oob score 1.5 is outside [0, 1]", Refused(() => new RandomForest([Stump()], [0f, 1f], oobScore: 1.5)));
        Assert.StartsWith("oob score -0.1 is outside [0, 1]", Refused(() => new RandomForest([Stump()], [0f, 1f], oobScore: -0.1)));
        Assert.StartsWith("oob score NaN is outside [0, 1]", Refused(() => new RandomForest([Stump()], [0f, 1f], oobScore: double.NaN)));

        var kept = new RandomForest([Stump()], [0f, 1f], [0.75, 0.25], oobScore: 1);
        Assert.Equal([0.75, 0.25], kept.FeatureImportances);
        Assert.Equal(1, kept.OobScore);
        // Without importances the forest computes them from its trees: the stump's one split is all feature 0's.
        Assert.Equal([1.0, 0.0], new RandomForest([Stump()], [0f, 1f]).FeatureImportances);
    }

    [Fact]
    public void The_trees_vote_with_their_leaf_fractions_and_the_labels_are_the_forests_classes()
    {
        var forest = new RandomForest([Stump(), Stump()], [3f, 7f]);
        Assert.Equal([1.0, 0.0], forest.PredictProba([0.5f, 9f]));
        Assert.Equal(3f, forest.Predict([0.5f, 9f]));
        Assert.Equal(7f, forest.Predict([1.5f, 9f]));
        Assert.Equal(2, forest.FeatureCount);
        Assert.Equal(2, forest.ClassCount);
    }

    [Fact]
    public void Rows_and_data_of_the_wrong_width_are_refused_naming_both_widths()
    {
        var forest = new RandomForest([Stump()], [0f, 1f]);
        Assert.StartsWith("row has 3 features, the forest expects 2", Refused(() => { forest.PredictProba([1f, 2f, 3f]); return forest; }));
        Assert.StartsWith("row has 1 features, the forest expects 2", Refused(() => { forest.Predict([1f]); return forest; }));
        var data = Make([[1, 2, 3], [4, 5, 6]], [0, 1]);
        Assert.StartsWith("data has 3 features, the forest expects 2", Refused(() => { forest.Predict(data); return forest; }));
        Assert.StartsWith("data has 3 features, the forest expects 2", Refused(() => { forest.PredictProba(data); return forest; }));
        Assert.StartsWith("data has 3 features, the forest expects 2", Refused(() => { forest.Score(data); return forest; }));
    }
}
