using Parity.Learning.Compute.Gpu;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning.Compute.Gpu;

/// <summary>Random binned rows (features column-major as bytes), with the CPU forest's way of counting them.</summary>
internal sealed record BinnedTestData(byte[] Bins, int Rows, int[] BinsPerFeature, int Classes, int[] ClassOf, int[] Weights)
{
    public int Features => BinsPerFeature.Length;

    /// <param name="duplicateFirst">Makes the last feature a copy of the first, so splits tie across features.</param>
    public static BinnedTestData Random(long seed, int rows, int[] binsPerFeature, int classes, bool duplicateFirst = false)
    {
        var random = new SeededRandom(seed);
        var features = binsPerFeature.Length;
        var bins = new byte[rows * features];
        for (var f = 0; f < features; f++)
        {
            for (var r = 0; r < rows; r++)
            {
                bins[f * rows + r] = duplicateFirst && f == features - 1
                    ? bins[r]
                    : (byte)random.NextInt(binsPerFeature[f]);
            }
        }
        var classOf = new int[rows];
        var weights = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            classOf[r] = random.NextInt(classes);
            weights[r] = random.NextInt(4); // 0 is out of bag, as in a bootstrap
        }
        return new BinnedTestData(bins, rows, binsPerFeature, classes, classOf, weights);
    }

    public BinEdges Edges() =>
        BinEdges.FromThresholds(BinsPerFeature.Select(b => Enumerable.Range(0, b - 1).Select(i => (float)i).ToArray()).ToArray());

    public GpuHistogramLayout GpuLayout() => new(BinsPerFeature, Classes);

    /// <summary>The node histogram as the CPU forest accumulates it (TreeGrower), over the listed rows of weight &gt; 0.</summary>
    public int[] CpuHistogram(IEnumerable<int> rows)
    {
        var layout = new HistogramLayout(Edges(), Classes);
        var histogram = new int[layout.Size];
        var stride = layout.Stride;
        foreach (var r in rows)
        {
            if (Weights[r] == 0) continue;
            for (var f = 0; f < Features; f++)
            {
                var at = layout.Offset(f) + Bins[f * Rows + r] * stride;
                histogram[at + ClassOf[r]] += Weights[r];
                histogram[at + stride - 1]++;
            }
        }
        return histogram;
    }

    /// <summary>Weighted count per class, then rows: the node totals NodeSplitter takes.</summary>
    public int[] Totals(IEnumerable<int> rows)
    {
        var totals = new int[Classes + 1];
        foreach (var r in rows)
        {
            if (Weights[r] == 0) continue;
            totals[ClassOf[r]] += Weights[r];
            totals[^1]++;
        }
        return totals;
    }
}
