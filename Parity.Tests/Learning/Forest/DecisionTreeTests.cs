using Parity.Learning.Forest;

namespace Parity.Tests.Learning.Forest;

/// <summary>
/// <see cref="DecisionTree"/> is built from arrays that may come from a peer (a participant's update, a stored model):
/// each invariant a tree walk relies on is checked, so a hostile tree is refused with the place it breaks instead of
/// looping, reading outside an array or voting with made-up fractions. And the small reads a forest is built on.
/// </summary>
public sealed class DecisionTreeTests
{
    /// <summary>
    /// Two features, two classes: the root splits feature 1 at 0.5; its left child is a leaf of class 0; its right
    /// child splits feature 0 at 2 into a leaf of class 0 and a leaf of class 1. Weighted counts 10 = 4 + (6 = 2 + 4).
    /// </summary>
    private sealed record Arrays
    {
        public int Features = 2;
        public int Classes = 2;
        public int[] Feature = [1, -1, 0, -1, -1];
        public float[] Threshold = [0.5f, 0, 2f, 0, 0];
        public int[] Left = [1, -1, 3, -1, -1];
        public int[] Right = [2, -1, 4, -1, -1];
        public double[] Impurity = [0.48, 0, 0.444, 0, 0];
        public double[] Weight = [10, 4, 6, 2, 4];
        public float[] Values = [0.6f, 0.4f, 1, 0, 1 / 3f, 2 / 3f, 1, 0, 0, 1];

        public DecisionTree Build() => new(Features, Classes, Feature, Threshold, Left, Right, Impurity, Weight, Values);
    }

    [Fact]
    public void A_valid_tree_reads_back_as_built()
    {
        var tree = new Arrays().Build();
        Assert.Equal(5, tree.NodeCount);
        Assert.Equal(3, tree.LeafCount);
        Assert.Equal(2, tree.Depth);
        Assert.Equal(2, tree.FeatureCount);
        Assert.Equal(2, tree.ClassCount);
        Assert.True(tree.IsLeaf(1));
        Assert.False(tree.IsLeaf(2));
        Assert.Equal([1 / 3f, 2 / 3f], tree.Value(2).ToArray());
    }

    [Fact]
    public void A_lone_leaf_is_a_tree_of_depth_zero()
    {
        var leaf = new DecisionTree(3, 2, [-1], [0], [-1], [-1], [0.5], [8], [0.5f, 0.5f]);
        Assert.Equal(0, leaf.Depth);
        Assert.Equal(1, leaf.LeafCount);
        Assert.Equal(0, leaf.LeafOf([9f, 9f, 9f]));
        Assert.Equal([0.0, 0.0, 0.0], leaf.FeatureImportances());
    }

    [Theory]
    [InlineData(0.4f, 5f, 1)]
    [InlineData(0.5f, 5f, 1)] // equal to the threshold goes left
    [InlineData(0.6f, 2f, 3)]
    [InlineData(0.6f, 2.5f, 4)]
    [InlineData(float.NaN, 0f, 3)] // NaN goes right
    [InlineData(0.6f, float.NaN, 4)]
    public void A_row_lands_in_the_leaf_its_values_lead_to(float second, float first, int leaf) =>
        Assert.Equal(leaf, new Arrays().Build().LeafOf([first, second]));

    [Fact]
    public void A_row_of_the_wrong_width_is_refused_naming_both_widths()
    {
        var error = Assert.Throws<ArgumentException>(() => new Arrays().Build().LeafOf([1f, 2f, 3f]));
        Assert.Contains("row has 3 features, the tree expects 2", error.Message);
    }

    [Fact]
    public void Importances_are_the_weighted_impurity_decrease_per_feature_scaled_to_one()
    {
        // Feature 1 (root): 10·0.48 − 4·0 − 6·0.444 = 2.136; feature 0: 6·0.444 − 0 − 0 = 2.664; total 4.8.
        var importances = new Arrays().Build().FeatureImportances();
        Assert.Equal(2.664 / 4.8, importances[0], 12);
        Assert.Equal(2.136 / 4.8, importances[1], 12);
    }

    public static TheoryData<string, string> BrokenTrees() => new()
    {
        { "no features", "feature count must be at least 1 (got 0)" },
        { "no classes", "class count must be at least 1 (got 0)" },
        { "no nodes", "a tree needs at least one node" },
        { "short threshold", "node arrays differ in length (feature has 5 nodes)" },
        { "short left", "node arrays differ in length" },
        { "short right", "node arrays differ in length" },
        { "short impurity", "node arrays differ in length" },
        { "short weight", "node arrays differ in length" },
        { "short values", "values has 9 entries, expected 5 nodes × 2 classes" },
        { "leaf with a feature", "leaf 1 must have feature, left and right −1" },
        { "leaf with a left child", "leaf 3 must have feature, left and right −1" },
        { "leaf with a right child", "leaf 4 must have feature, left and right −1" },
        { "feature out of range", "node 2 splits on feature 2, outside [0, 2)" },
        { "infinite threshold", "node 0 has a non-finite threshold" },
        { "NaN threshold", "node 2 has a non-finite threshold" },
        { "child to itself", "node 2 has child 2, outside (2, 5)" },
        { "child before its parent", "node 2 has child 1, outside (2, 5)" },
        { "child past the end", "node 2 has child 5, outside (2, 5)" },
        { "shared child", "node 4 has more than one parent" },
        { "negative impurity", "node 3 has an invalid impurity" },
        { "NaN impurity", "node 0 has an invalid impurity" },
        { "negative weight", "node 4 has an invalid weighted sample count" },
        { "infinite weight", "node 0 has an invalid weighted sample count" },
        { "negative class value", "node 1 has an invalid class value" },
        { "NaN class value", "node 4 has an invalid class value" },
        { "values not summing to one", "node 2 class values sum to" },
        { "unreachable node", "node 2 is not reachable from the root" },
    };

    [Theory]
    [MemberData(nameof(BrokenTrees))]
    public void A_broken_tree_is_refused_naming_where_it_breaks(string broken, string message)
    {
        var a = new Arrays();
        switch (broken)
        {
            case "no features": a.Features = 0; break;
            case "no classes": a.Classes = 0; break;
            case "no nodes":
                a.Feature = []; a.Threshold = []; a.Left = []; a.Right = []; a.Impurity = []; a.Weight = []; a.Values = [];
                break;
            case "short threshold": a.Threshold = a.Threshold[..4]; break;
            case "short left": a.Left = a.Left[..4]; break;
            case "short right": a.Right = a.Right[..4]; break;
            case "short impurity": a.Impurity = a.Impurity[..4]; break;
            case "short weight": a.Weight = a.Weight[..4]; break;
            case "short values": a.Values = a.Values[..9]; break;
            case "leaf with a feature": a.Feature[1] = -2; break;
            case "leaf with a left child": a.Left[3] = 4; break;
            case "leaf with a right child": a.Right[4] = 0; break;
            case "feature out of range": a.Feature[2] = 2; break;
            case "infinite threshold": a.Threshold[0] = float.PositiveInfinity; break;
            case "NaN threshold": a.Threshold[2] = float.NaN; break;
            case "child to itself": a.Left[2] = 2; break;
            case "child before its parent": a.Left[2] = 1; break;
            case "child past the end": a.Right[2] = 5; break;
            case "shared child": a.Left[2] = 4; break;
            case "negative impurity": a.Impurity[3] = -0.1; break;
            case "NaN impurity": a.Impurity[0] = double.NaN; break;
            case "negative weight": a.Weight[4] = -1; break;
            case "infinite weight": a.Weight[0] = double.PositiveInfinity; break;
            case "negative class value": a.Values[2] = 1.5f; a.Values[3] = -0.5f; break;
            case "NaN class value": a.Values[8] = float.NaN; break;
            case "values not summing to one": a.Values[4] = 0.5f; break;
            case "unreachable node":
                // The root's right child skips node 2, which becomes a leaf nothing points at.
                a.Feature[2] = -1; a.Left[2] = -1; a.Right[2] = -1; a.Right[0] = 3;
                break;
            default: throw new ArgumentOutOfRangeException(nameof(broken), broken, null);
        }
        var error = Assert.Throws<ArgumentException>(a.Build);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Null_arrays_are_refused()
    {
        var a = new Arrays();
        Assert.Throws<ArgumentNullException>(() => new DecisionTree(2, 2, a.Feature, a.Threshold, a.Left, a.Right, a.Impurity, a.Weight, null!));
        Assert.Throws<ArgumentNullException>(() => new DecisionTree(2, 2, null!, a.Threshold, a.Left, a.Right, a.Impurity, a.Weight, a.Values));
    }
}
