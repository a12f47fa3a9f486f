using System.Numerics;
using System.Runtime.CompilerServices;
using Parity.Learning.Data;

namespace Parity.Learning.Forest;

/// <summary>Checks and conversions of a training set shared by the trainers.</summary>
internal static class ForestData
{
    public static void CheckFinite(Dataset data)
    {
        var features = data.Features.Span;
        for (var i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
                throw new ArgumentException(
                    $"feature {i % data.Columns} of row {i / data.Columns} is not finite ({features[i]})", nameof(data));
        }
    }

    /// <summary>The distinct labels, ascending (scikit-learn's <c>classes_</c>).</summary>
    public static float[] ClassesOf(Dataset data)
    {
        var labels = data.Labels.Span;
        var set = new SortedSet<float>();
        for (var i = 0; i < labels.Length; i++)
        {
            if (!float.IsFinite(labels[i])) throw new ArgumentException($"label of row {i} is not finite ({labels[i]})", nameof(data));
            set.Add(labels[i] == 0 ? 0f : labels[i]);
        }
        return set.ToArray();
    }

    /// <summary>Each row's class index in <paramref name="classes"/>.</summary>
    public static int[] ClassIndices(Dataset data, IReadOnlyList<float> classes)
    {
        var labels = data.Labels.Span;
        var lookup = new Dictionary<float, int>();
        for (var c = 0; c < classes.Count; c++) lookup[classes[c]] = c;
        var result = new int[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            if (!lookup.TryGetValue(labels[i] == 0 ? 0f : labels[i], out result[i]))
                throw new ArgumentException($"label {labels[i]} of row {i} is not one of the forest's classes", nameof(data));
        }
        return result;
    }

    public static void CheckClasses(IReadOnlyList<float> classes)
    {
        if (classes.Count == 0) throw new ArgumentException("a forest needs at least one class", nameof(classes));
        for (var c = 0; c < classes.Count; c++)
        {
            if (!float.IsFinite(classes[c]) || (c > 0 && !(classes[c] > classes[c - 1])))
                throw new ArgumentException("classes must be finite and strictly increasing", nameof(classes));
        }
    }
}

/// <summary>
/// Where feature f's histogram lies in a node histogram holding every feature: bin b of feature f starts at
/// <c>Offset(f) + b * Stride</c> and holds the weighted count of each class, then the number of distinct rows.
/// </summary>
internal sealed class HistogramLayout
{
    private readonly int[] _offsets;
    private readonly int[] _bins;

    public HistogramLayout(BinEdges edges, int classes)
    {
        Classes = classes;
        Stride = classes + 1;
        _offsets = new int[edges.FeatureCount];
        _bins = new int[edges.FeatureCount];
        var size = 0L;
        for (var f = 0; f < edges.FeatureCount; f++)
        {
            _offsets[f] = (int)size;
            _bins[f] = edges.BinCount(f);
            size += (long)_bins[f] * Stride;
        }
        if (size > Array.MaxLength) throw new ArgumentException("too many features × bins × classes for one node histogram");
        Size = (int)size;
        MaxFeatureSize = edges.MaxBinCount * Stride;
    }

    public int Classes { get; }

    /// <summary>Counts per bin: one per class, then distinct rows.</summary>
    public int Stride { get; }

    public int Features => _offsets.Length;

    /// <summary>Counts in a histogram of every feature.</summary>
    public int Size { get; }

    /// <summary>Counts in the largest single-feature histogram.</summary>
    public int MaxFeatureSize { get; }

    public int Offset(int feature) => _offsets[feature];

    public int Bins(int feature) => _bins[feature];

    public int FeatureSize(int feature) => _bins[feature] * Stride;

    /// <summary><paramref name="target"/> −= <paramref name="source"/>, element-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Subtract(Span<int> target, ReadOnlySpan<int> source)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= target.Length - Vector<int>.Count; i += Vector<int>.Count)
                (new Vector<int>(target[i..]) - new Vector<int>(source[i..])).CopyTo(target[i..]);
        }
        for (; i < target.Length; i++) target[i] -= source[i];
    }
}

/// <summary>
/// Training features replaced by their bins, column-major (feature f of row r at <c>f * Rows + r</c>) so that a
/// histogram pass over one feature reads one compact column. <typeparamref name="TBin"/> is byte up to 256 bins.
/// </summary>
internal sealed class BinnedData<TBin> where TBin : unmanaged, IBinaryInteger<TBin>
{
    private BinnedData(TBin[] bins, int rows, int features, int[] classOf)
    {
        Bins = bins;
        Rows = rows;
        Features = features;
        ClassOf = classOf;
    }

    public TBin[] Bins { get; }

    public int Rows { get; }

    public int Features { get; }

    public int[] ClassOf { get; }

    public ReadOnlySpan<TBin> Column(int feature) => Bins.AsSpan(feature * Rows, Rows);

    public static BinnedData<TBin> Create(Dataset data, BinEdges edges, int[] classOf, int threads)
    {
        var rows = data.Rows;
        var features = data.Columns;
        var bins = new TBin[(long)rows * features];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        Parallel.For(0, features, parallel, f => BinColumn(data, edges, f, bins.AsSpan(f * rows, rows)));
        return new BinnedData<TBin>(bins, rows, features, classOf);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BinColumn(Dataset data, BinEdges edges, int feature, Span<TBin> column)
    {
        var all = data.Features.Span;
        var thresholds = edges.Thresholds(feature);
        for (var r = 0; r < column.Length; r++)
        {
            // Bin = how many thresholds lie below the value (binary search).
            var value = all[r * data.Columns + feature];
            int lo = 0, hi = thresholds.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (thresholds[mid] < value) lo = mid + 1;
                else hi = mid;
            }
            column[r] = TBin.CreateTruncating(lo);
        }
    }
}
