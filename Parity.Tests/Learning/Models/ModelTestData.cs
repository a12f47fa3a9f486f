using Parity.Learning.Data;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning.Models;

internal static class ModelTestData
{
    public static Dataset Load(string file) => DatasetReader.ReadFile(TestDatasets.PathOf(file));

    /// <summary>A seeded shuffle cut into training rows and <paramref name="testShare"/> held-out rows.</summary>
    public static (Dataset Train, Dataset Test) Split(Dataset data, long seed, double testShare = 0.2)
    {
        var order = Enumerable.Range(0, data.Rows).ToArray();
        new SeededRandom(seed).Shuffle(order.AsSpan());
        var testRows = (int)Math.Round(data.Rows * testShare);
        return (data.Subset(order[testRows..]), data.Subset(order[..testRows]));
    }

    /// <summary>Rows of uniform features in [-1, 1) and labels from <paramref name="target"/>.</summary>
    public static Dataset Generate(int rows, int columns, long seed, Func<float[], float> target)
    {
        var random = new SeededRandom(seed);
        var features = new float[rows * columns];
        var labels = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = new float[columns];
            for (var c = 0; c < columns; c++) row[c] = (float)(random.NextDouble() * 2 - 1);
            row.CopyTo(features, r * columns);
            labels[r] = target(row);
        }
        return new Dataset(features, rows, columns, labels);
    }

    public static double SquaredNorm(IReadOnlyDictionary<string, float[]> weights, Func<string, bool> include) =>
        weights.Where(pair => include(pair.Key)).Sum(pair => pair.Value.Sum(v => (double)v * v));
}
