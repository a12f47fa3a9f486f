using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning.Forest;

internal static class ForestTestData
{
    private static readonly Lazy<Dataset> IrisData = new(() => DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv")));
    private static readonly Lazy<Dataset> DigitsData = new(() => DatasetReader.ReadFile(TestDatasets.PathOf("digits.csv")));

    public static Dataset Iris => IrisData.Value;

    public static Dataset Digits => DigitsData.Value;

    /// <summary>A seeded shuffle cut into train (the first <paramref name="trainFraction"/>) and test.</summary>
    public static (Dataset Train, Dataset Test) Split(Dataset data, double trainFraction = 0.75, long seed = 42)
    {
        var rows = Enumerable.Range(0, data.Rows).ToArray();
        new SeededRandom(seed).Shuffle(rows.AsSpan());
        var cut = (int)(data.Rows * trainFraction);
        return (data.Subset(rows[..cut]), data.Subset(rows[cut..]));
    }

    /// <summary>The 6-row example whose tree, impurities and importances are worked out by hand in the tests.</summary>
    public static Dataset Tiny() => Make(
        [[1, 0], [2, 0], [3, 0], [4, 0], [5, 1], [6, 0]],
        [0, 0, 1, 1, 0, 1]);

    /// <summary>Rows of uniform noise in which the label is whether feature 0 exceeds 0.5.</summary>
    public static Dataset OnlyFeatureZeroMatters(int rows, int features, long seed)
    {
        var random = new SeededRandom(seed);
        var x = new float[rows * features];
        var y = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var f = 0; f < features; f++) x[r * features + f] = (float)random.NextDouble();
            y[r] = x[r * features] > 0.5f ? 1 : 0;
        }
        return new Dataset(x, rows, features, y);
    }

    public static Dataset Make(float[][] rows, float[] labels)
    {
        var columns = rows[0].Length;
        return new Dataset(rows.SelectMany(r => r).ToArray(), rows.Length, columns, labels);
    }

    public static ForestOptions SingleExactTree => new()
    {
        Trees = 1,
        Bootstrap = false,
        MaxFeatures = MaxFeatures.All,
        RandomState = 0,
        Threads = 1,
    };

    public static byte[] Bytes(RandomForest forest) => ForestSerializer.Serialize(forest);
}
