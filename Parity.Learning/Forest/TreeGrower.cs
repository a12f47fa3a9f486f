using System.Numerics;
using System.Runtime.CompilerServices;

namespace Parity.Learning.Forest;

/// <summary>
/// Grows trees depth-first on one thread, reusing its buffers from tree to tree. A node is a range of the in-bag
/// rows, which are partitioned in place (with their class and weight alongside) as the node splits.
/// </summary>
/// <remarks>
/// A node's histograms come one of two ways. Directly: only for the features the node draws, one pass over the node's
/// rows per feature. Or by subtraction: the node holds the histograms of every feature, its smaller child's are
/// built by one pass over that child's rows and the larger child's are what is left of the parent's. Subtraction
/// touches every feature, so it pays only when nodes look at a large share of them (max_features near all) or a
/// split is lopsided; <see cref="UseSubtraction"/> weighs the two by counts touched.
/// </remarks>
internal sealed class TreeGrower<TBin> : IFeatureHistograms where TBin : unmanaged, IBinaryInteger<TBin>
{
    private readonly BinnedData<TBin> _data;
    private readonly ForestSettings _settings;
    private readonly HistogramLayout _layout;
    private readonly NodeSplitter _splitter;
    private readonly TreeNodes _nodes;

    // The in-bag rows of the tree being grown, with their class and weight; nodes are ranges of these.
    private readonly int[] _rows;
    private readonly int[] _classes;
    private readonly int[] _weights;
    private readonly int[] _spareRows;
    private readonly int[] _spareClasses;
    private readonly int[] _spareWeights;

    private readonly int[] _identity; // row r's global id is r
    private readonly int[] _featureHistogram;
    // What of _featureHistogram the last feature used: a list of bins, or a prefix.
    private readonly int[] _occupied;
    private readonly ulong[] _occupiedBits;
    private int _occupiedCount;
    private int _dirtyLength;
    private readonly Stack<int[]> _histogramPool = new();
    private readonly List<Pending> _stack = [];
    private int[] _totals = new int[64];
    private int _totalsTop;

    // The node being decided, for Histogram().
    private int _start, _end;
    private int[]? _nodeHistogram;

    public TreeGrower(BinnedData<TBin> data, ForestSettings settings, BinEdges edges)
    {
        _data = data;
        _settings = settings;
        _layout = new HistogramLayout(edges, settings.Classes);
        _splitter = new NodeSplitter(settings, _layout, edges);
        _nodes = new TreeNodes(settings.Classes);
        var n = data.Rows;
        _rows = new int[n];
        _classes = new int[n];
        _weights = new int[n];
        _spareRows = new int[n];
        _spareClasses = new int[n];
        _spareWeights = new int[n];
        _featureHistogram = new int[_layout.MaxFeatureSize];
        _occupied = new int[edges.MaxBinCount];
        _occupiedBits = new ulong[(edges.MaxBinCount + 63) / 64];
        _identity = new int[n];
        for (var r = 0; r < n; r++) _identity[r] = r;
    }

    private record struct Pending(int Start, int End, int Depth, ulong Key, int Parent, bool IsRight, int TotalsAt, int[]? Histogram);

    /// <summary>Grows tree <paramref name="tree"/>; marks its out-of-bag rows in <paramref name="outOfBag"/> if given.</summary>
    public DecisionTree Grow(int tree, ulong[]? outOfBag)
    {
        var stride = _layout.Stride;
        var classes = stride - 1;
        _nodes.Clear();
        _stack.Clear();
        _totalsTop = 0;

        // The resample: row weights keyed by (seed, tree, row), as a federated participant draws them.
        var count = 0;
        var rootTotals = PushTotals();
        ForestRandom.RowWeights(_settings, tree, _identity, _spareWeights);
        for (var r = 0; r < _data.Rows; r++)
        {
            var w = _spareWeights[r];
            if (w == 0)
            {
                if (outOfBag is not null) outOfBag[r >> 6] |= 1UL << (r & 63);
                continue;
            }
            _rows[count] = r;
            _classes[count] = _data.ClassOf[r];
            _weights[count] = w;
            _totals[rootTotals + _data.ClassOf[r]] += w;
            count++;
        }
        _totals[rootTotals + classes] = count;
        var rootWeight = NodeSplitter.Weight(_totals.AsSpan(rootTotals, stride));

        int[]? rootHistogram = null;
        if (_settings.MaxFeatures * 2 >= _settings.Features)
        {
            rootHistogram = RentHistogram();
            BuildAll(0, count, rootHistogram);
        }
        _stack.Add(new Pending(0, count, 0, ForestRandom.RootKey, -1, false, rootTotals, rootHistogram));

        Span<int> totals = stackalloc int[stride];
        Span<int> right = stackalloc int[stride];
        while (_stack.Count > 0)
        {
            var node = _stack[^1];
            _stack.RemoveAt(_stack.Count - 1);
            _totals.AsSpan(node.TotalsAt, stride).CopyTo(totals);
            _totalsTop = node.TotalsAt;

            var impurity = _splitter.Impurity(totals);
            var index = _nodes.Add(totals, impurity);
            if (node.Parent >= 0) _nodes.SetChild(node.Parent, node.IsRight, index);

            (_start, _end, _nodeHistogram) = (node.Start, node.End, node.Histogram);
            if (_splitter.MustBeLeaf(totals, node.Depth, impurity)
                || !_splitter.TrySplit(this, totals, impurity, rootWeight, tree, node.Key))
            {
                ReturnHistogram(node.Histogram);
                continue;
            }

            var feature = _splitter.Feature;
            _nodes.SetSplit(index, feature, _splitter.Threshold, -1, -1);
            var middle = Partition(node.Start, node.End, feature, _splitter.ThresholdBin);

            var left = _splitter.LeftTotals;
            for (var k = 0; k < stride; k++) right[k] = totals[k] - left[k];
            // The left child is popped first, so its totals go on top of the arena.
            var rightAt = PushTotals();
            right.CopyTo(_totals.AsSpan(rightAt, stride));
            var leftAt = PushTotals();
            left.CopyTo(_totals.AsSpan(leftAt, stride));

            int[]? leftHistogram = null, rightHistogram = null;
            var leftRows = middle - node.Start;
            var rightRows = node.End - middle;
            if (node.Histogram is { } parentHistogram && node.Depth + 1 < _settings.MaxDepth && UseSubtraction(leftRows, rightRows))
            {
                var small = RentHistogram();
                if (leftRows <= rightRows)
                {
                    BuildAll(node.Start, middle, small);
                    HistogramLayout.Subtract(parentHistogram, small);
                    (leftHistogram, rightHistogram) = (small, parentHistogram);
                }
                else
                {
                    BuildAll(middle, node.End, small);
                    HistogramLayout.Subtract(parentHistogram, small);
                    (leftHistogram, rightHistogram) = (parentHistogram, small);
                }
            }
            else
            {
                ReturnHistogram(node.Histogram);
            }

            // Right first so that the left child is grown next: pre-order numbering.
            _stack.Add(new Pending(middle, node.End, node.Depth + 1, ForestRandom.ChildKey(node.Key, true), index, true, rightAt, rightHistogram));
            _stack.Add(new Pending(node.Start, middle, node.Depth + 1, ForestRandom.ChildKey(node.Key, false), index, false, leftAt, leftHistogram));
        }
        return _nodes.ToTree(_settings.Features);
    }

    public FeatureHistogram Histogram(int feature)
    {
        if (_nodeHistogram is not null)
            return new FeatureHistogram(_nodeHistogram.AsSpan(_layout.Offset(feature), _layout.FeatureSize(feature)));

        // The scratch histogram is all zero between uses: clear what the previous feature left.
        var stride = _layout.Stride;
        foreach (var b in _occupied.AsSpan(0, _occupiedCount)) _featureHistogram.AsSpan(b * stride, stride).Clear();
        _featureHistogram.AsSpan(0, _dirtyLength).Clear();
        _occupiedCount = 0;
        _dirtyLength = 0;

        var histogram = _featureHistogram.AsSpan(0, _layout.FeatureSize(feature));
        if (_end - _start >= _layout.Bins(feature))
        {
            Accumulate(feature, _start, _end, histogram);
            _dirtyLength = histogram.Length;
            return new FeatureHistogram(histogram);
        }
        // Fewer rows than bins: note the bins used, so that scanning and clearing skip the empty ones.
        _occupiedCount = AccumulateSparse(feature, histogram);
        return new FeatureHistogram(histogram, _occupied.AsSpan(0, _occupiedCount));
    }

    /// <summary>
    /// Whether the children should get every feature's histogram (one pass over the smaller child for every feature,
    /// plus clearing and subtracting whole histograms) rather than direct passes over both children for the
    /// features they draw.
    /// </summary>
    private bool UseSubtraction(int leftRows, int rightRows)
    {
        var subtraction = (long)Math.Min(leftRows, rightRows) * _settings.Features + _layout.Size / 4;
        var direct = (long)(leftRows + rightRows) * _settings.MaxFeatures;
        return subtraction < direct;
    }

    private void BuildAll(int start, int end, int[] histogram)
    {
        Array.Clear(histogram);
        for (var f = 0; f < _settings.Features; f++)
            Accumulate(f, start, end, histogram.AsSpan(_layout.Offset(f), _layout.FeatureSize(f)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(int feature, int start, int end, Span<int> histogram)
    {
        var column = _data.Column(feature);
        var stride = _layout.Stride;
        var rowsAt = stride - 1;
        var rows = _rows.AsSpan(start, end - start);
        var classes = _classes.AsSpan(start, end - start);
        var weights = _weights.AsSpan(start, end - start);
        for (var i = 0; i < rows.Length; i++)
        {
            var at = int.CreateTruncating(column[rows[i]]) * stride;
            histogram[at + classes[i]] += weights[i];
            histogram[at + rowsAt]++;
        }
    }

    /// <summary>
    /// Like <see cref="Accumulate"/> over the node's rows; also lists the bins used, in ascending order, in
    /// <see cref="_occupied"/> (marked in a bitmap on first use and read back word by word, which sorts them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int AccumulateSparse(int feature, Span<int> histogram)
    {
        var column = _data.Column(feature);
        var stride = _layout.Stride;
        var rowsAt = stride - 1;
        int lowWord = int.MaxValue, highWord = -1;
        for (var i = _start; i < _end; i++)
        {
            var bin = int.CreateTruncating(column[_rows[i]]);
            var at = bin * stride;
            if (histogram[at + rowsAt]++ == 0)
            {
                var word = bin >> 6;
                _occupiedBits[word] |= 1UL << (bin & 63);
                lowWord = Math.Min(lowWord, word);
                highWord = Math.Max(highWord, word);
            }
            histogram[at + _classes[i]] += _weights[i];
        }
        var count = 0;
        for (var word = lowWord; word <= highWord; word++)
        {
            var bits = _occupiedBits[word];
            _occupiedBits[word] = 0;
            while (bits != 0)
            {
                _occupied[count++] = (word << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
            }
        }
        return count;
    }

    /// <summary>Reorders [start, end) so rows with bin ≤ <paramref name="bin"/> come first; returns where the rest begin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Partition(int start, int end, int feature, int bin)
    {
        var column = _data.Column(feature);
        var limit = TBin.CreateTruncating(bin);
        var left = start;
        var spare = 0;
        for (var i = start; i < end; i++)
        {
            var row = _rows[i];
            if (column[row] <= limit)
            {
                _rows[left] = row;
                _classes[left] = _classes[i];
                _weights[left] = _weights[i];
                left++;
            }
            else
            {
                _spareRows[spare] = row;
                _spareClasses[spare] = _classes[i];
                _spareWeights[spare] = _weights[i];
                spare++;
            }
        }
        _spareRows.AsSpan(0, spare).CopyTo(_rows.AsSpan(left));
        _spareClasses.AsSpan(0, spare).CopyTo(_classes.AsSpan(left));
        _spareWeights.AsSpan(0, spare).CopyTo(_weights.AsSpan(left));
        return left;
    }

    private int PushTotals()
    {
        var stride = _layout.Stride;
        if (_totalsTop + stride > _totals.Length) Array.Resize(ref _totals, _totals.Length * 2 + stride);
        var at = _totalsTop;
        _totals.AsSpan(at, stride).Clear();
        _totalsTop += stride;
        return at;
    }

    private int[] RentHistogram() => _histogramPool.Count > 0 ? _histogramPool.Pop() : new int[_layout.Size];

    private void ReturnHistogram(int[]? histogram)
    {
        if (histogram is not null) _histogramPool.Push(histogram);
    }
}
