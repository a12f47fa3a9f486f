using System.Runtime.CompilerServices;

namespace Parity.Learning.Forest;

/// <summary>Gives the splitter one feature's histogram over a node's rows (see <see cref="HistogramLayout"/>).</summary>
internal interface IFeatureHistograms
{
    FeatureHistogram Histogram(int feature);
}

/// <summary>
/// One feature's counts, per bin. <see cref="OccupiedBins"/>, when not empty, lists the bins holding rows in
/// ascending order, so a small node is scanned over its few bins instead of all of them.
/// </summary>
internal readonly ref struct FeatureHistogram(ReadOnlySpan<int> counts, ReadOnlySpan<int> occupiedBins = default)
{
    public ReadOnlySpan<int> Counts { get; } = counts;

    public ReadOnlySpan<int> OccupiedBins { get; } = occupiedBins;
}

/// <summary>
/// Decides one node from its histograms: leaf or split, and which split. The centralized trainer and the federated
/// coordinator both decide through this class, from the same integer counts, which is why they grow equal trees.
/// Node totals are laid out like one histogram bin: weighted count per class, then distinct rows.
/// </summary>
internal sealed class NodeSplitter
{
    /// <summary>numpy's double epsilon, scikit-learn's tolerance for "pure" and for min_impurity_decrease.</summary>
    private const double Epsilon = 2.220446049250313e-16;

    private readonly ForestSettings _settings;
    private readonly HistogramLayout _layout;
    private readonly BinEdges _edges;
    private readonly int[] _order;
    private readonly long[] _cumulative;
    private readonly int[] _bestLeft;
    private double _bestProxy;
    // Scan state: the last non-empty bin visited and whether this feature improved the best split.
    private int _previousBin;
    private bool _improved;

    public NodeSplitter(ForestSettings settings, HistogramLayout layout, BinEdges edges)
    {
        _settings = settings;
        _layout = layout;
        _edges = edges;
        _order = new int[settings.Features];
        _cumulative = new long[layout.Stride];
        _bestLeft = new int[layout.Stride];
    }

    public int Feature { get; private set; }

    /// <summary>The split sends bins ≤ this left, i.e. values ≤ <see cref="Threshold"/>.</summary>
    public int ThresholdBin { get; private set; }

    public float Threshold => _edges.Thresholds(Feature)[ThresholdBin];

    /// <summary>Totals of the left child of the split found.</summary>
    public ReadOnlySpan<int> LeftTotals => _bestLeft;

    public static long Weight(ReadOnlySpan<int> totals)
    {
        var w = 0L;
        for (var c = 0; c < totals.Length - 1; c++) w += totals[c];
        return w;
    }

    public static int Rows(ReadOnlySpan<int> totals) => totals[^1];

    public double Impurity(ReadOnlySpan<int> totals)
    {
        var classes = totals.Length - 1;
        double w = Weight(totals);
        if (w <= 0) return 0;
        var impurity = _settings.Criterion == SplitCriterion.Gini ? 1.0 : 0.0;
        for (var c = 0; c < classes; c++)
        {
            if (totals[c] == 0) continue;
            var p = totals[c] / w;
            impurity -= _settings.Criterion == SplitCriterion.Gini ? p * p : p * Math.Log2(p);
        }
        return impurity;
    }

    /// <summary>scikit-learn's stopping rules that need no split search: depth, too few rows, purity.</summary>
    public bool MustBeLeaf(ReadOnlySpan<int> totals, int depth, double impurity)
    {
        var rows = Rows(totals);
        return depth >= _settings.MaxDepth
            || rows < _settings.MinSamplesSplit
            || rows < 2 * _settings.MinSamplesLeaf
            || Weight(totals) == 0
            || impurity <= Epsilon;
    }

    /// <summary>
    /// Searches the node's features in the order drawn from its (seed, tree, node key) stream: max_features of them,
    /// and more only while none has given a valid split (as scikit-learn does). False when no split is valid or the
    /// best one decreases impurity by less than min_impurity_decrease.
    /// </summary>
    public bool TrySplit(IFeatureHistograms source, ReadOnlySpan<int> totals, double impurity, long rootWeight, int tree, ulong nodeKey)
    {
        var features = _order.Length;
        for (var f = 0; f < features; f++) _order[f] = f;
        var random = ForestRandom.ForNode(_settings.Seed, tree, nodeKey);
        _bestProxy = double.NegativeInfinity;
        var found = false;
        for (var visited = 0; visited < features; visited++)
        {
            var pick = visited + random.NextInt(features - visited);
            (_order[visited], _order[pick]) = (_order[pick], _order[visited]);
            var feature = _order[visited];
            found |= Scan(feature, source.Histogram(feature), totals);
            if (found && visited + 1 >= _settings.MaxFeatures) break;
        }
        if (!found) return false;

        Span<int> right = stackalloc int[totals.Length];
        for (var k = 0; k < right.Length; k++) right[k] = totals[k] - _bestLeft[k];
        double w = Weight(totals), wl = Weight(_bestLeft), wr = Weight(right);
        var improvement = w / rootWeight * (impurity - wr / w * Impurity(right) - wl / w * Impurity(_bestLeft));
        return improvement + Epsilon >= _settings.MinImpurityDecrease;
    }

    /// <summary>Tries every cut of one feature between two non-empty bins; true if it improved the best.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Scan(int feature, FeatureHistogram histogram, ReadOnlySpan<int> totals)
    {
        var stride = _layout.Stride;
        var rowsAt = stride - 1;
        var counts = histogram.Counts;
        _cumulative.AsSpan().Clear();
        _previousBin = -1;
        _improved = false;
        if (histogram.OccupiedBins.IsEmpty)
        {
            var bins = _layout.Bins(feature);
            for (var b = 0; b < bins; b++)
            {
                if (counts[b * stride + rowsAt] != 0 && !Visit(feature, b, counts, totals)) break;
            }
        }
        else
        {
            foreach (var b in histogram.OccupiedBins)
            {
                if (!Visit(feature, b, counts, totals)) break;
            }
        }
        return _improved;
    }

    /// <summary>
    /// Considers the cut between the previous non-empty bin and bin <paramref name="bin"/>, then moves the bin to the
    /// left side. False once no later cut can be valid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Visit(int feature, int bin, ReadOnlySpan<int> counts, ReadOnlySpan<int> totals)
    {
        var stride = _layout.Stride;
        var rowsAt = stride - 1;
        var cumulative = _cumulative.AsSpan();
        var totalRows = Rows(totals);
        var minLeaf = _settings.MinSamplesLeaf;
        if (_previousBin >= 0 && cumulative[rowsAt] >= minLeaf)
        {
            if (totalRows - cumulative[rowsAt] < minLeaf) return false;
            var proxy = Proxy(cumulative, totals);
            if (proxy > _bestProxy)
            {
                _bestProxy = proxy;
                Feature = feature;
                // Every threshold between the last left bin and the first right bin splits the node the same way;
                // the middle one comes closest to scikit-learn's midpoint between neighbouring values.
                ThresholdBin = (_previousBin + bin - 1) / 2;
                for (var k = 0; k < stride; k++) _bestLeft[k] = (int)cumulative[k];
                _improved = true;
            }
        }
        var added = counts.Slice(bin * stride, stride);
        for (var k = 0; k < stride; k++) cumulative[k] += added[k];
        _previousBin = bin;
        return cumulative[rowsAt] < totalRows;
    }

    /// <summary>
    /// A quantity that orders splits like the weighted child impurity, reversed (bigger is better), without the
    /// parts common to every split: Σ L_c²/W_L + Σ R_c²/W_R for gini, −(W_L·H_L + W_R·H_R) for entropy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Proxy(ReadOnlySpan<long> left, ReadOnlySpan<int> totals)
    {
        var classes = totals.Length - 1;
        double wl = 0, wr = 0, sl = 0, sr = 0;
        if (_settings.Criterion == SplitCriterion.Gini)
        {
            for (var c = 0; c < classes; c++)
            {
                double l = left[c], r = totals[c] - left[c];
                wl += l;
                wr += r;
                sl += l * l;
                sr += r * r;
            }
            return sl / wl + sr / wr;
        }
        for (var c = 0; c < classes; c++)
        {
            double l = left[c], r = totals[c] - left[c];
            wl += l;
            wr += r;
            if (l > 0) sl += l * Math.Log2(l);
            if (r > 0) sr += r * Math.Log2(r);
        }
        return sl - wl * Math.Log2(wl) + sr - wr * Math.Log2(wr);
    }
}
