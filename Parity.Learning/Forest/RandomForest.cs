using Parity.Learning.Data;

namespace Parity.Learning.Forest;

/// <summary>
/// A fitted random forest classifier: its trees, the class labels their distributions refer to, mean-decrease-in-
/// impurity feature importances and, when it was asked for, the out-of-bag score.
/// </summary>
public sealed class RandomForest
{
    private readonly DecisionTree[] _trees;
    private readonly float[] _classes;
    private readonly double[] _importances;

    /// <param name="featureImportances">Null computes them from the trees (<see cref="MeanImportances"/>).</param>
    public RandomForest(
        IReadOnlyList<DecisionTree> trees, IReadOnlyList<float> classes, double[]? featureImportances = null,
        double? oobScore = null)
    {
        ArgumentNullException.ThrowIfNull(trees);
        ArgumentNullException.ThrowIfNull(classes);
        if (trees.Count == 0) throw new ArgumentException("a forest needs at least one tree", nameof(trees));
        ForestData.CheckClasses(classes);
        var features = trees[0].FeatureCount;
        for (var t = 0; t < trees.Count; t++)
        {
            if (trees[t].FeatureCount != features)
                throw new ArgumentException($"tree {t} has {trees[t].FeatureCount} features, tree 0 has {features}", nameof(trees));
            if (trees[t].ClassCount != classes.Count)
                throw new ArgumentException($"tree {t} has {trees[t].ClassCount} classes, the forest {classes.Count}", nameof(trees));
        }
        if (featureImportances is not null)
        {
            if (featureImportances.Length != features)
                throw new ArgumentException($"{featureImportances.Length} importances for {features} features", nameof(featureImportances));
            if (featureImportances.Any(v => !double.IsFinite(v) || v < 0))
                throw new ArgumentException("importances must be finite and non-negative", nameof(featureImportances));
        }
        if (oobScore is { } score && !(score is >= 0 and <= 1))
            throw new ArgumentException($"oob score {score} is outside [0, 1]", nameof(oobScore));

        _trees = trees.ToArray();
        _classes = classes.ToArray();
        _importances = featureImportances ?? MeanImportances(_trees);
        OobScore = oobScore;
    }

    public IReadOnlyList<DecisionTree> Trees => _trees;

    /// <summary>The label each probability column stands for, ascending.</summary>
    public IReadOnlyList<float> Classes => _classes;

    public int FeatureCount => _trees[0].FeatureCount;

    public int ClassCount => _classes.Length;

    /// <summary>Non-negative, summing to 1 (all zero when no tree has a split).</summary>
    public IReadOnlyList<double> FeatureImportances => _importances;

    /// <summary>Accuracy of the out-of-bag predictions over the rows that were out of bag for at least one tree.</summary>
    public double? OobScore { get; }

    /// <summary>
    /// scikit-learn's forest <c>feature_importances_</c>: the mean of the per-tree importances (each summing to 1) over
    /// the trees that have a split, scaled to sum to 1.
    /// </summary>
    public static double[] MeanImportances(IReadOnlyList<DecisionTree> trees)
    {
        var mean = new double[trees[0].FeatureCount];
        var counted = 0;
        foreach (var tree in trees)
        {
            if (tree.NodeCount <= 1) continue;
            var importances = tree.FeatureImportances();
            for (var f = 0; f < mean.Length; f++) mean[f] += importances[f];
            counted++;
        }
        if (counted == 0) return mean;
        for (var f = 0; f < mean.Length; f++) mean[f] /= counted;
        DecisionTree.Normalise(mean);
        return mean;
    }

    /// <summary>The mean of the trees' leaf class distributions for one row.</summary>
    public double[] PredictProba(ReadOnlySpan<float> row)
    {
        CheckRow(row);
        var proba = new double[ClassCount];
        Accumulate(row, proba);
        return proba;
    }

    /// <summary>Class probabilities of every row, row-major: row i is <c>[i * ClassCount, (i + 1) * ClassCount)</c>.</summary>
    public double[] PredictProba(Dataset data, int? threads = null)
    {
        CheckData(data);
        var classes = ClassCount;
        var proba = new double[(long)data.Rows * classes];
        ForEachRow(data, threads, (row, r) => Accumulate(row, proba.AsSpan(r * classes, classes)));
        return proba;
    }

    public float Predict(ReadOnlySpan<float> row) => _classes[ArgMax(PredictProba(row))];

    public float[] Predict(Dataset data, int? threads = null)
    {
        var proba = PredictProba(data, threads);
        var labels = new float[data.Rows];
        for (var r = 0; r < labels.Length; r++) labels[r] = _classes[ArgMax(proba.AsSpan(r * ClassCount, ClassCount))];
        return labels;
    }

    /// <summary>Accuracy on <paramref name="data"/>'s labels.</summary>
    public double Score(Dataset data, int? threads = null)
    {
        var predicted = Predict(data, threads);
        var labels = data.Labels.Span;
        var correct = 0;
        for (var r = 0; r < predicted.Length; r++) correct += predicted[r] == labels[r] ? 1 : 0;
        return data.Rows == 0 ? 0 : (double)correct / data.Rows;
    }

    /// <summary>The first index of the largest value (scikit-learn's argmax tie rule).</summary>
    internal static int ArgMax(ReadOnlySpan<double> values)
    {
        var best = 0;
        for (var c = 1; c < values.Length; c++)
        {
            if (values[c] > values[best]) best = c;
        }
        return best;
    }

    private void Accumulate(ReadOnlySpan<float> row, Span<double> proba)
    {
        foreach (var tree in _trees) tree.AccumulateProba(row, proba);
        for (var c = 0; c < proba.Length; c++) proba[c] /= _trees.Length;
    }

    internal static void ForEachRow(Dataset data, int? threads, RowAction action)
    {
        const int block = 256;
        var blocks = (data.Rows + block - 1) / block;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount };
        Parallel.For(0, blocks, parallel, b =>
        {
            var features = data.Features.Span;
            var end = Math.Min(data.Rows, (b + 1) * block);
            for (var r = b * block; r < end; r++) action(features.Slice(r * data.Columns, data.Columns), r);
        });
    }

    internal delegate void RowAction(ReadOnlySpan<float> row, int index);

    private void CheckRow(ReadOnlySpan<float> row)
    {
        if (row.Length != FeatureCount)
            throw new ArgumentException($"row has {row.Length} features, the forest expects {FeatureCount}", nameof(row));
    }

    private void CheckData(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Columns != FeatureCount)
            throw new ArgumentException($"data has {data.Columns} features, the forest expects {FeatureCount}", nameof(data));
    }
}
