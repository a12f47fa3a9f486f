using Parity.Learning.Models;
using System.Runtime.CompilerServices;
using Parity.Learning.Data;

namespace Parity.Learning.Forest;

/// <summary>
/// Per feature, the increasing thresholds t_0 &lt; … &lt; t_{m−1} that cut its values into m + 1 bins: a value x falls
/// in bin j when t_{j−1} &lt; x ≤ t_j. A split "bin ≤ j" is therefore the split "x ≤ t_j" on raw values, so trees
/// trained on bins predict on raw floats with the same thresholds.
/// </summary>
/// <remarks>
/// A feature with at most max_bins distinct values gets one bin per value, cut at midpoints between neighbours, so
/// its splits are exactly scikit-learn's. Otherwise the cuts are at quantiles of the values. Federated training
/// must use one set of edges on every side: build it with <see cref="FromSummaries"/> from the participants'
/// <see cref="ValueSummary"/>s, or hand the same <see cref="BinEdges"/> to everyone.
/// </remarks>
public sealed class BinEdges
{
    private readonly float[][] _thresholds;

    private BinEdges(float[][] thresholds)
    {
        _thresholds = thresholds;
        MaxBinCount = thresholds.Length == 0 ? 1 : thresholds.Max(t => t.Length) + 1;
    }

    public int FeatureCount => _thresholds.Length;

    /// <summary>The largest <see cref="BinCount"/> over the features.</summary>
    public int MaxBinCount { get; }

    public ReadOnlySpan<float> Thresholds(int feature) => _thresholds[feature];

    public int BinCount(int feature) => _thresholds[feature].Length + 1;

    /// <summary>The bin of <paramref name="value"/>: how many thresholds lie below it.</summary>
    public int BinOf(int feature, float value)
    {
        var thresholds = _thresholds[feature];
        int lo = 0, hi = thresholds.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (thresholds[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>Edges from given thresholds (copied), checked to be finite and strictly increasing.</summary>
    public static BinEdges FromThresholds(IReadOnlyList<float[]> thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (thresholds.Count == 0) throw new ArgumentException("bin edges need at least one feature", nameof(thresholds));
        var copy = new float[thresholds.Count][];
        for (var f = 0; f < copy.Length; f++)
        {
            var t = thresholds[f] ?? throw new ArgumentException($"feature {f} has no thresholds array", nameof(thresholds));
            if (t.Length + 1 > ForestOptions.MaxBinsLimit)
                throw new ArgumentException(
                    $"feature {f} has {t.Length + 1} bins, more than {ForestOptions.MaxBinsLimit}", nameof(thresholds));
            for (var j = 0; j < t.Length; j++)
            {
                if (!float.IsFinite(t[j]))
                    throw new ArgumentException($"feature {f} threshold {j} is not finite", nameof(thresholds));
                if (j > 0 && !(t[j] > t[j - 1]))
                    throw new ArgumentException(
                        $"feature {f} thresholds are not strictly increasing at index {j}", nameof(thresholds));
            }
            copy[f] = (float[])t.Clone();
        }
        return new BinEdges(copy);
    }

    /// <summary>Edges computed from every value of <paramref name="data"/>.</summary>
    public static BinEdges Compute(Dataset data, int maxBins = 256, int? threads = null) =>
        FromSummaries([ValueSummary.Of(data, int.MaxValue, threads)], maxBins);

    /// <summary>
    /// Edges from the merged value summaries of several participants. When every participant's summary is exact (each
    /// feature has at most <see cref="ValueSummary"/>'s point limit of distinct values there) the result equals
    /// <see cref="Compute"/> on the union of their data.
    /// </summary>
    public static BinEdges FromSummaries(IReadOnlyList<ValueSummary> summaries, int maxBins = 256)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        if (summaries.Count == 0) throw new ArgumentException("no summaries to build bin edges from", nameof(summaries));
        if (maxBins is < 2 or > ForestOptions.MaxBinsLimit)
            throw new ModelConfigException($"max_bins must be in [2, {ForestOptions.MaxBinsLimit}] (got {maxBins})", "max_bins");
        var features = summaries[0].FeatureCount;
        if (summaries.Any(s => s.FeatureCount != features))
            throw new ArgumentException("summaries disagree on the number of features", nameof(summaries));

        var thresholds = new float[features][];
        for (var f = 0; f < features; f++)
        {
            var (values, counts) = MergeFeature(summaries, f);
            thresholds[f] = Cut(values, counts, maxBins);
        }
        return new BinEdges(thresholds);
    }

    private static (float[] Values, long[] Counts) MergeFeature(IReadOnlyList<ValueSummary> summaries, int feature)
    {
        if (summaries.Count == 1) return (summaries[0].Values(feature).ToArray(), summaries[0].Counts(feature).ToArray());
        var merged = new SortedDictionary<float, long>();
        foreach (var summary in summaries)
        {
            var values = summary.Values(feature);
            var counts = summary.Counts(feature);
            for (var i = 0; i < values.Length; i++)
                merged[values[i]] = merged.GetValueOrDefault(values[i]) + counts[i];
        }
        return (merged.Keys.ToArray(), merged.Values.ToArray());
    }

    /// <summary>Thresholds for distinct ascending <paramref name="values"/> with their counts.</summary>
    private static float[] Cut(float[] values, long[] counts, int maxBins)
    {
        if (values.Length <= 1) return [];
        if (values.Length <= maxBins)
        {
            var exact = new float[values.Length - 1];
            for (var i = 0; i < exact.Length; i++) exact[i] = Midpoint(values[i], values[i + 1]);
            return exact;
        }

        // Quantiles: the k-th cut goes after the first value whose cumulative count reaches k/maxBins of the total.
        var total = 0L;
        foreach (var c in counts) total += c;
        var cuts = new List<float>(maxBins - 1);
        var index = 0;
        var cumulative = counts[0];
        for (var k = 1; k < maxBins; k++)
        {
            var target = (double)total * k / maxBins;
            while (cumulative < target && index < values.Length - 1) cumulative += counts[++index];
            if (index >= values.Length - 1) break;
            var cut = Midpoint(values[index], values[index + 1]);
            if (cuts.Count == 0 || cut > cuts[^1]) cuts.Add(cut);
        }
        return cuts.ToArray();
    }

    /// <summary>A float t with a ≤ t &lt; b, halfway where float precision allows.</summary>
    internal static float Midpoint(float a, float b)
    {
        var mid = (float)(((double)a + b) / 2);
        return mid < b ? mid : a;
    }
}

/// <summary>
/// A participant's per-feature summary of its values: sorted distinct values with their counts, exact while a
/// feature has at most the point limit of distinct values, otherwise compressed into that many equal-count groups,
/// each represented by its middle value. Only summaries leave a participant, never rows.
/// </summary>
public sealed class ValueSummary
{
    private readonly float[][] _values;
    private readonly long[][] _counts;

    public ValueSummary(float[][] values, long[][] counts)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(counts);
        if (values.Length != counts.Length)
            throw new ArgumentException($"{values.Length} value lists but {counts.Length} count lists", nameof(counts));
        for (var f = 0; f < values.Length; f++)
        {
            if (values[f].Length != counts[f].Length)
                throw new ArgumentException($"feature {f} has {values[f].Length} values but {counts[f].Length} counts", nameof(counts));
            for (var i = 0; i < values[f].Length; i++)
            {
                if (!float.IsFinite(values[f][i]) || (i > 0 && !(values[f][i] > values[f][i - 1])))
                    throw new ArgumentException($"feature {f} values must be finite and strictly increasing", nameof(values));
                if (counts[f][i] < 1) throw new ArgumentException($"feature {f} has a count below 1", nameof(counts));
            }
        }
        _values = values;
        _counts = counts;
    }

    public int FeatureCount => _values.Length;

    public ReadOnlySpan<float> Values(int feature) => _values[feature];

    public ReadOnlySpan<long> Counts(int feature) => _counts[feature];

    /// <param name="maxPoints">Most points kept per feature.</param>
    public static ValueSummary Of(Dataset data, int maxPoints = 16 * 256, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        var features = data.Columns;
        var values = new float[features][];
        var counts = new long[features][];
        ForestData.CheckFinite(data);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount };
        Parallel.For(0, features, parallel, f =>
        {
            var column = new float[data.Rows];
            var all = data.Features.Span;
            for (var r = 0; r < column.Length; r++) column[r] = all[r * features + f];
            Array.Sort(column);
            (values[f], counts[f]) = Compress(column, maxPoints);
        });
        return new ValueSummary(values, counts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float[], long[]) Compress(float[] sorted, int maxPoints)
    {
        var distinctCount = sorted.Length == 0 ? 0 : 1;
        for (var i = 1; i < sorted.Length; i++) distinctCount += sorted[i] != sorted[i - 1] ? 1 : 0;
        if (distinctCount <= maxPoints)
        {
            var distinct = new float[distinctCount];
            var counts = new long[distinctCount];
            var k = -1;
            for (var i = 0; i < sorted.Length; i++)
            {
                if (i == 0 || sorted[i] != sorted[i - 1]) distinct[++k] = sorted[i] == 0 ? 0f : sorted[i]; // one zero, not ±0
                counts[k]++;
            }
            return (distinct, counts);
        }

        // Equal-count groups over the sorted rows; a group keeps its middle value, so groups never share one.
        var groupValues = new List<float>(maxPoints);
        var groupCounts = new List<long>(maxPoints);
        var start = 0;
        for (var g = 0; g < maxPoints && start < sorted.Length; g++)
        {
            var end = (int)((long)sorted.Length * (g + 1) / maxPoints);
            if (end <= start) continue;
            // Extend the group to the end of a run of equal values so that one value lands in one group.
            while (end < sorted.Length && sorted[end] == sorted[end - 1]) end++;
            var middle = sorted[start + (end - start - 1) / 2];
            if (groupValues.Count > 0 && middle <= groupValues[^1]) groupCounts[^1] += end - start;
            else
            {
                groupValues.Add(middle);
                groupCounts.Add(end - start);
            }
            start = end;
        }
        return (groupValues.ToArray(), groupCounts.ToArray());
    }
}
