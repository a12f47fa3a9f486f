using Parity.Learning.Forest;

namespace Parity.Learning.Compute.Gpu;

/// <summary>
/// The node histogram layout of the CPU forest (its HistogramLayout), for the GPU: bin b of feature f starts at
/// <c>Offset(f) + b * Stride</c> and holds the weighted count of each class, then the number of distinct rows.
/// Features are binned to bytes on the GPU, so a feature has at most <see cref="MaxBins"/> bins.
/// </summary>
public sealed class GpuHistogramLayout
{
    public const int MaxBins = 256;

    // Offsets[f] for every feature, then the total size.
    private readonly int[] _offsets;

    public GpuHistogramLayout(IReadOnlyList<int> binsPerFeature, int classes)
    {
        ArgumentNullException.ThrowIfNull(binsPerFeature);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (binsPerFeature.Count == 0) throw new ArgumentException("a histogram needs at least one feature", nameof(binsPerFeature));
        Classes = classes;
        Stride = classes + 1;
        _offsets = new int[binsPerFeature.Count + 1];
        var size = 0L;
        for (var f = 0; f < binsPerFeature.Count; f++)
        {
            var bins = binsPerFeature[f];
            if (bins is < 1 or > MaxBins)
                throw new ArgumentOutOfRangeException(nameof(binsPerFeature), bins, $"feature {f} must have 1 to {MaxBins} bins");
            _offsets[f] = (int)size;
            size += (long)bins * Stride;
            if (size > int.MaxValue) throw new ArgumentException("too many features × bins × classes for one node histogram");
            MaxFeatureBins = Math.Max(MaxFeatureBins, bins);
        }
        _offsets[^1] = (int)size;
    }

    /// <summary>The layout of the forest trained with <paramref name="edges"/> on <paramref name="classes"/> classes.</summary>
    public static GpuHistogramLayout FromEdges(BinEdges edges, int classes)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var bins = new int[edges.FeatureCount];
        for (var f = 0; f < bins.Length; f++) bins[f] = edges.BinCount(f);
        return new GpuHistogramLayout(bins, classes);
    }

    public int Classes { get; }

    /// <summary>Counts per bin: one per class, then distinct rows.</summary>
    public int Stride { get; }

    public int Features => _offsets.Length - 1;

    /// <summary>Counts in a histogram of every feature.</summary>
    public int Size => _offsets[^1];

    public int MaxFeatureBins { get; }

    public int Offset(int feature) => _offsets[feature];

    public int Bins(int feature) => (_offsets[feature + 1] - _offsets[feature]) / Stride;

    /// <summary>Each feature's offset, then <see cref="Size"/> (what the kernels take).</summary>
    internal ReadOnlySpan<int> Offsets => _offsets;
}
