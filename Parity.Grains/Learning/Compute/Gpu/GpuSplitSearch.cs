using ILGPU;
using ILGPU.Runtime;
using Parity.Learning.Forest;

namespace Parity.Learning.Compute.Gpu;

/// <summary>The split rules of a forest (scikit-learn's criterion, min_samples_leaf, max_features, min_impurity_decrease).</summary>
/// <param name="MaxFeatures">Features searched before stopping at the first valid split; 0 searches them all.</param>
public sealed record GpuSplitOptions(
    SplitCriterion Criterion, int MinSamplesLeaf = 1, int MaxFeatures = 0, double MinImpurityDecrease = 0);

/// <summary>A node's best split: rows with bin ≤ <see cref="ThresholdBin"/> of <see cref="Feature"/> go left.</summary>
/// <param name="Found">Whether a valid split exists and decreases impurity by at least min_impurity_decrease.</param>
/// <param name="LeftTotals">The left child's weighted count per class, then its rows.</param>
/// <param name="Improvement">The weighted impurity decrease, scikit-learn's (N_t / N) · (I − …).</param>
public sealed record GpuSplit(bool Found, int Feature, int ThresholdBin, int[] LeftTotals, double Improvement)
{
    public static GpuSplit None { get; } = new(false, -1, -1, [], 0);
}

/// <summary>
/// Finds a node's best split from its histogram on the device, deciding exactly as the CPU forest's NodeSplitter:
/// the same candidate cuts (between non-empty bins, both sides with at least min_samples_leaf rows), the same
/// impurity proxy in double precision, ties going to the earlier bin and then to the earlier feature in the search
/// order, and features searched past max_features only until one gives a valid split.
/// </summary>
/// <remarks>
/// <para>One warp-sized group per candidate feature: its threads prefix-sum the feature's bins (class weights and
/// rows, empty bins skipped) in slices of 8, score the cut before each non-empty bin and reduce to the feature's best
/// cut. One more group then picks the best over features. The search reads a node's histogram once and moves a few
/// hundred bytes back; its cost is small next to building the histogram.</para>
/// <para>The gini proxy is computed exactly (integer counts well below 2⁵³), so gini splits match the CPU's bit for
/// bit; entropy uses the device's log2, which may differ from .NET's in the last bits and so break near-ties
/// differently. Not thread-safe: it reuses device buffers.</para>
/// </remarks>
public sealed class GpuSplitSearch : IDisposable
{
    // A warp per feature, each thread scanning 8 bins: few barriers, and few threads for the CPU emulator to run.
    internal const int GroupSize = 32;
    private const int BinsPerThread = GpuHistogramLayout.MaxBins / GroupSize;
    // result: found, feature, threshold bin, then the left totals.
    private const int ResultHeader = 3;
    /// <summary>numpy's double epsilon, scikit-learn's tolerance for min_impurity_decrease (as NodeSplitter).</summary>
    private const double Epsilon = 2.220446049250313e-16;

    private readonly GpuSplitOptions _options;
    private readonly Action<AcceleratorStream, KernelConfig, SearchViews, SearchArgs> _scan;
    private readonly Action<AcceleratorStream, KernelConfig, SearchViews, SearchArgs> _pick;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _offsets;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _prefix;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _chunkTotals;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _order;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _totals;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _bestProxy;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _bestBin;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _bestThreshold;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _result;
    private MemoryBuffer1D<int, Stride1D.Dense>? _histogram;

    public GpuSplitSearch(Accelerator accelerator, GpuHistogramLayout layout, GpuSplitOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MinSamplesLeaf);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxFeatures);
        if (accelerator.MaxNumThreadsPerGroup < GroupSize)
            throw new NotSupportedException($"{accelerator.Name} runs fewer than {GroupSize} threads per group");
        Accelerator = accelerator;
        Layout = layout;
        _options = options;
        _scan = accelerator.LoadKernel<SearchViews, SearchArgs>(ScanKernel);
        _pick = accelerator.LoadKernel<SearchViews, SearchArgs>(PickKernel);
        _offsets = accelerator.Allocate1D(layout.Offsets.ToArray());
        _prefix = accelerator.Allocate1D<int>(layout.Size);
        _chunkTotals = accelerator.Allocate1D<int>((long)layout.Features * GroupSize * layout.Stride);
        _order = accelerator.Allocate1D<int>(layout.Features);
        _totals = accelerator.Allocate1D<int>(layout.Stride);
        _bestProxy = accelerator.Allocate1D<double>(layout.Features);
        _bestBin = accelerator.Allocate1D<int>(layout.Features);
        _bestThreshold = accelerator.Allocate1D<int>(layout.Features);
        _result = accelerator.Allocate1D<int>(ResultHeader + layout.Stride);
    }

    public Accelerator Accelerator { get; }

    public GpuHistogramLayout Layout { get; }

    /// <summary>
    /// The best split of a node whose histogram is on the device (e.g. from <see cref="GpuHistogram"/>).
    /// </summary>
    /// <param name="totals">The node's weighted count per class, then its rows (NodeSplitter's totals).</param>
    /// <param name="featureOrder">The features to search, in search order (the node's draw).</param>
    /// <param name="rootWeight">The root node's total weight, for the weighted impurity decrease.</param>
    public GpuSplit FindBest(ArrayView<int> histogram, ReadOnlySpan<int> totals, ReadOnlySpan<int> featureOrder, long rootWeight)
    {
        if (histogram.Length < Layout.Size)
            throw new ArgumentException($"the histogram holds {histogram.Length} counts, the layout needs {Layout.Size}", nameof(histogram));
        if (totals.Length != Layout.Stride)
            throw new ArgumentException($"totals must hold {Layout.Stride} counts (classes, then rows)", nameof(totals));
        if (featureOrder.Length is 0 || featureOrder.Length > Layout.Features)
            throw new ArgumentException($"the search order must list 1 to {Layout.Features} features", nameof(featureOrder));
        foreach (var f in featureOrder)
        {
            if ((uint)f >= (uint)Layout.Features)
                throw new ArgumentOutOfRangeException(nameof(featureOrder), f, "not a feature of the layout");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rootWeight);

        _order.Upload(featureOrder);
        _totals.Upload(totals);
        var views = new SearchViews(histogram, _offsets.View, _order.View, _totals.View, _prefix.View,
            _chunkTotals.View, _bestProxy.View, _bestBin.View, _bestThreshold.View, _result.View);
        var maxFeatures = _options.MaxFeatures == 0 ? featureOrder.Length : _options.MaxFeatures;
        var args = new SearchArgs(Layout.Stride, _options.MinSamplesLeaf, _options.Criterion == SplitCriterion.Entropy ? 1 : 0,
            featureOrder.Length, maxFeatures);
        var stream = Accelerator.DefaultStream;
        _scan(stream, new KernelConfig(featureOrder.Length, GroupSize), views, args);
        _pick(stream, new KernelConfig(1, GroupSize), views, args);
        var result = _result.Download((int)_result.Length);
        if (result[0] == 0) return GpuSplit.None;

        var left = result[ResultHeader..];
        var right = new int[left.Length];
        for (var c = 0; c < right.Length; c++) right[c] = totals[c] - left[c];
        double w = Weight(totals), wl = Weight(left), wr = Weight(right);
        var impurity = Impurity(totals, _options.Criterion);
        var improvement = w / rootWeight
            * (impurity - wr / w * Impurity(right, _options.Criterion) - wl / w * Impurity(left, _options.Criterion));
        return new GpuSplit(improvement + Epsilon >= _options.MinImpurityDecrease, result[1], result[2], left, improvement);
    }

    /// <summary>Like the device overload, for a histogram on the host.</summary>
    public GpuSplit FindBest(ReadOnlySpan<int> histogram, ReadOnlySpan<int> totals, ReadOnlySpan<int> featureOrder, long rootWeight)
    {
        if (histogram.Length != Layout.Size)
            throw new ArgumentException($"the histogram holds {histogram.Length} counts, the layout has {Layout.Size}", nameof(histogram));
        _histogram ??= Accelerator.Allocate1D<int>(Layout.Size);
        _histogram.Upload(histogram);
        return FindBest(_histogram.View, totals, featureOrder, rootWeight);
    }

    /// <summary>The node impurity from its totals (class weights, then rows), as NodeSplitter computes it.</summary>
    public static double Impurity(ReadOnlySpan<int> totals, SplitCriterion criterion)
    {
        double w = Weight(totals);
        if (w <= 0) return 0;
        var impurity = criterion == SplitCriterion.Gini ? 1.0 : 0.0;
        for (var c = 0; c < totals.Length - 1; c++)
        {
            if (totals[c] == 0) continue;
            var p = totals[c] / w;
            impurity -= criterion == SplitCriterion.Gini ? p * p : p * Math.Log2(p);
        }
        return impurity;
    }

    public void Dispose()
    {
        _offsets.Dispose();
        _prefix.Dispose();
        _chunkTotals.Dispose();
        _order.Dispose();
        _totals.Dispose();
        _bestProxy.Dispose();
        _bestBin.Dispose();
        _bestThreshold.Dispose();
        _result.Dispose();
        _histogram?.Dispose();
    }

    private static long Weight(ReadOnlySpan<int> totals)
    {
        var w = 0L;
        for (var c = 0; c < totals.Length - 1; c++) w += totals[c];
        return w;
    }

    internal readonly record struct SearchViews(
        ArrayView<int> Histogram, ArrayView<int> Offsets, ArrayView<int> Order, ArrayView<int> Totals, ArrayView<int> Prefix,
        ArrayView<int> ChunkTotals, ArrayView<double> BestProxy, ArrayView<int> BestBin, ArrayView<int> BestThreshold, ArrayView<int> Result);

    internal readonly record struct SearchArgs(int Stride, int MinLeaf, int Entropy, int Candidates, int MaxFeatures);

    /// <summary>
    /// Group p scores every cut of the p-th feature in the search order. Thread t owns the bins
    /// [t · BinsPerThread, (t + 1) · BinsPerThread): it prefix-sums them, adds the totals of the threads before it,
    /// then scores the cut before each of its non-empty bins.
    /// </summary>
    private static void ScanKernel(SearchViews v, SearchArgs g)
    {
        var lastNonEmpty = SharedMemory.Allocate<int>(GroupSize);
        var proxies = SharedMemory.Allocate<double>(GroupSize);
        var cuts = SharedMemory.Allocate<int>(GroupSize);
        var thresholds = SharedMemory.Allocate<int>(GroupSize);
        var position = Grid.IdxX;
        var t = Group.IdxX;
        var feature = v.Order[position];
        var offset = v.Offsets[feature];
        var stride = g.Stride;
        var rowsAt = stride - 1;
        var first = t * BinsPerThread;
        var end = Math.Min(first + BinsPerThread, (v.Offsets[feature + 1] - offset) / stride);
        var chunkTotals = v.ChunkTotals.SubView((long)(position * GroupSize + t) * stride, stride);

        // The left side of the cut before bin b holds every non-empty bin below b, as the CPU scan accumulates them.
        var last = -1;
        for (var b = first; b < end; b++)
        {
            if (v.Histogram[offset + b * stride + rowsAt] != 0) last = b;
        }
        lastNonEmpty[t] = last;
        for (var c = 0; c < stride; c++)
        {
            var sum = 0;
            for (var b = first; b < end; b++)
            {
                var at = offset + b * stride;
                v.Prefix[at + c] = sum;
                if (v.Histogram[at + rowsAt] != 0) sum += v.Histogram[at + c];
            }
            chunkTotals[c] = sum;
        }
        Group.Barrier();

        var previous = -1;
        for (var u = 0; u < t; u++) previous = Math.Max(previous, lastNonEmpty[u]);
        for (var c = 0; c < stride; c++)
        {
            var before = 0;
            for (var u = 0; u < t; u++) before += v.ChunkTotals[(long)(position * GroupSize + u) * stride + c];
            for (var b = first; b < end; b++) v.Prefix[offset + b * stride + c] += before;
        }

        var totalRows = v.Totals[rowsAt];
        var best = double.NegativeInfinity;
        var bestCut = -1;
        var bestThreshold = -1;
        for (var b = first; b < end; b++)
        {
            var at = offset + b * stride;
            if (v.Histogram[at + rowsAt] == 0) continue;
            if (previous >= 0)
            {
                var leftRows = v.Prefix[at + rowsAt];
                // NodeSplitter stops a feature's scan once the right side has too few rows or none; both only grow
                // worse further right, so testing each cut on its own is the same. NaN never counts as better there.
                if (leftRows >= g.MinLeaf && totalRows - leftRows >= g.MinLeaf && leftRows < totalRows)
                {
                    var proxy = Proxy(v.Prefix, at, v.Totals, g);
                    if (proxy > best)
                    {
                        best = proxy;
                        bestCut = b;
                        // Every threshold between the last left bin and the first right bin splits the node the
                        // same way: the middle one, as on the CPU.
                        bestThreshold = (previous + b - 1) / 2;
                    }
                }
            }
            previous = b;
        }
        proxies[t] = best;
        cuts[t] = bestCut;
        thresholds[t] = bestThreshold;
        Group.Barrier();

        if (t == 0)
        {
            var winner = 0;
            for (var u = 1; u < GroupSize; u++)
            {
                if (proxies[u] > proxies[winner]) winner = u; // strict: the earlier bin wins ties
            }
            v.BestProxy[position] = proxies[winner];
            v.BestBin[position] = cuts[winner];
            v.BestThreshold[position] = thresholds[winner];
        }
    }

    /// <summary>
    /// One group: the first feature in search order with a valid cut fixes how many features count (at least
    /// max_features), then the best of those wins, the earlier one on ties.
    /// </summary>
    private static void PickKernel(SearchViews v, SearchArgs g)
    {
        var firsts = SharedMemory.Allocate<int>(GroupSize);
        var proxies = SharedMemory.Allocate<double>(GroupSize);
        var positions = SharedMemory.Allocate<int>(GroupSize);
        var t = Group.IdxX;

        var first = int.MaxValue;
        for (var p = t; p < g.Candidates && first == int.MaxValue; p += GroupSize)
        {
            if (v.BestProxy[p] > double.NegativeInfinity) first = p;
        }
        firsts[t] = first;
        Group.Barrier();
        for (var u = 0; u < GroupSize; u++) first = Math.Min(first, firsts[u]);
        var searched = first == int.MaxValue ? 0 : Math.Min(g.Candidates, Math.Max(g.MaxFeatures, first + 1));

        var best = double.NegativeInfinity;
        var bestAt = -1;
        for (var p = t; p < searched; p += GroupSize)
        {
            if (v.BestProxy[p] > best)
            {
                best = v.BestProxy[p];
                bestAt = p;
            }
        }
        proxies[t] = best;
        positions[t] = bestAt;
        Group.Barrier();
        if (t != 0) return;

        if (searched == 0)
        {
            v.Result[0] = 0;
            return;
        }
        var winner = 0;
        for (var u = 1; u < GroupSize; u++)
        {
            var better = proxies[u] > proxies[winner]
                || (proxies[u] == proxies[winner] && positions[u] >= 0 && positions[u] < positions[winner]);
            if (better) winner = u;
        }
        var at = positions[winner];
        var feature = v.Order[at];
        v.Result[0] = 1;
        v.Result[1] = feature;
        v.Result[2] = v.BestThreshold[at];
        var leftAt = v.Offsets[feature] + v.BestBin[at] * g.Stride;
        for (var c = 0; c < g.Stride; c++) v.Result[ResultHeader + c] = v.Prefix[leftAt + c];
    }

    /// <summary>
    /// NodeSplitter's proxy for the weighted child impurity, reversed, same operations in the same order:
    /// Σ L_c²/W_L + Σ R_c²/W_R for gini, −(W_L·H_L + W_R·H_R) for entropy.
    /// </summary>
    private static double Proxy(ArrayView<int> left, int at, ArrayView<int> totals, in SearchArgs g)
    {
        var classes = g.Stride - 1;
        double wl = 0, wr = 0, sl = 0, sr = 0;
        if (g.Entropy == 0)
        {
            for (var c = 0; c < classes; c++)
            {
                double l = left[at + c], r = totals[c] - left[at + c];
                wl += l;
                wr += r;
                sl += l * l;
                sr += r * r;
            }
            return sl / wl + sr / wr;
        }
        for (var c = 0; c < classes; c++)
        {
            double l = left[at + c], r = totals[c] - left[at + c];
            wl += l;
            wr += r;
            if (l > 0) sl += l * Log2(l);
            if (r > 0) sr += r * Log2(r);
        }
        return sl - wl * Log2(wl) + sr - wr * Log2(wr);
    }

    /// <summary>
    /// log₂ of a positive normal double to within a few ulps, for kernels: ILGPU's device Math.Log2 needs CUDA's
    /// libdevice, and its software fallback is slow. x = m · 2^e with m in [√½, √2), and
    /// ln m = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + …) for s = (m − 1) / (m + 1), |s| ≤ 0.172.
    /// </summary>
    internal static double Log2(double x)
    {
        var bits = Interop.FloatAsInt(x);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        var m = Interop.IntAsFloat((bits & 0x000F_FFFF_FFFF_FFFFUL) | 0x3FF0_0000_0000_0000UL);
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            exponent++;
        }
        var s = (m - 1) / (m + 1);
        var s2 = s * s;
        // Terms up to s²³/23: the next is below 2⁻⁶⁵ of the sum.
        var series = 1 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 * (1.0 / 11 + s2 * (1.0 / 13
            + s2 * (1.0 / 15 + s2 * (1.0 / 17 + s2 * (1.0 / 19 + s2 * (1.0 / 21 + s2 / 23))))))))));
        return exponent + s * series * 2.8853900817779268; // 2 / ln 2
    }
}
