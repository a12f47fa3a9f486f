namespace Parity.Learning.Forest;

/// <summary>
/// One fitted classification tree as flat arrays, node 0 the root, nodes in pre-order (a node, its left subtree, its
/// right subtree). Internal node i sends a row left when <c>row[Feature[i]] ≤ Threshold[i]</c> (NaN goes right);
/// a leaf has Feature, Left and Right −1. Every node keeps its class distribution (fractions summing to 1) in
/// <c>Values[i * ClassCount ..]</c>, its impurity and its weighted sample count (bootstrap counts included).
/// </summary>
public sealed class DecisionTree
{
    private readonly int[] _feature;
    private readonly float[] _threshold;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly double[] _impurity;
    private readonly double[] _weight;
    private readonly float[] _values;

    /// <summary>Takes the arrays as they are (no copy) after checking that they form a tree.</summary>
    /// <exception cref="ArgumentException">The arrays do not describe a valid tree; the message says where.</exception>
    public DecisionTree(
        int featureCount, int classCount, int[] feature, float[] threshold, int[] left, int[] right,
        double[] impurity, double[] weightedSamples, float[] values)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(threshold);
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(impurity);
        ArgumentNullException.ThrowIfNull(weightedSamples);
        ArgumentNullException.ThrowIfNull(values);
        if (featureCount < 1) throw new ArgumentException($"feature count must be at least 1 (got {featureCount})");
        if (classCount < 1) throw new ArgumentException($"class count must be at least 1 (got {classCount})");
        var n = feature.Length;
        if (n == 0) throw new ArgumentException("a tree needs at least one node");
        if (threshold.Length != n || left.Length != n || right.Length != n || impurity.Length != n || weightedSamples.Length != n)
            throw new ArgumentException($"node arrays differ in length (feature has {n} nodes)");
        if (values.Length != (long)n * classCount)
            throw new ArgumentException($"values has {values.Length} entries, expected {n} nodes × {classCount} classes");

        var parents = new int[n];
        for (var i = 0; i < n; i++)
        {
            if (feature[i] < 0)
            {
                if (feature[i] != -1 || left[i] != -1 || right[i] != -1)
                    throw new ArgumentException($"leaf {i} must have feature, left and right −1");
            }
            else
            {
                if (feature[i] >= featureCount)
                    throw new ArgumentException($"node {i} splits on feature {feature[i]}, outside [0, {featureCount})");
                if (!float.IsFinite(threshold[i])) throw new ArgumentException($"node {i} has a non-finite threshold");
                // Children after their parent rule out cycles; one parent each rules out shared subtrees.
                foreach (var child in (ReadOnlySpan<int>)[left[i], right[i]])
                {
                    if (child <= i || child >= n)
                        throw new ArgumentException($"node {i} has child {child}, outside ({i}, {n})");
                    if (parents[child]++ > 0) throw new ArgumentException($"node {child} has more than one parent");
                }
            }
            if (!double.IsFinite(impurity[i]) || impurity[i] < 0)
                throw new ArgumentException($"node {i} has an invalid impurity");
            if (!double.IsFinite(weightedSamples[i]) || weightedSamples[i] < 0)
                throw new ArgumentException($"node {i} has an invalid weighted sample count");
            var sum = 0.0;
            for (var c = 0; c < classCount; c++)
            {
                var v = values[i * classCount + c];
                if (!float.IsFinite(v) || v < 0) throw new ArgumentException($"node {i} has an invalid class value");
                sum += v;
            }
            if (Math.Abs(sum - 1) > 1e-3) throw new ArgumentException($"node {i} class values sum to {sum}, not 1");
        }
        for (var i = 1; i < n; i++)
        {
            if (parents[i] == 0) throw new ArgumentException($"node {i} is not reachable from the root");
        }

        FeatureCount = featureCount;
        ClassCount = classCount;
        _feature = feature;
        _threshold = threshold;
        _left = left;
        _right = right;
        _impurity = impurity;
        _weight = weightedSamples;
        _values = values;
    }

    public int FeatureCount { get; }

    public int ClassCount { get; }

    public int NodeCount => _feature.Length;

    public ReadOnlySpan<int> Feature => _feature;

    public ReadOnlySpan<float> Threshold => _threshold;

    public ReadOnlySpan<int> Left => _left;

    public ReadOnlySpan<int> Right => _right;

    public ReadOnlySpan<double> Impurity => _impurity;

    public ReadOnlySpan<double> WeightedSamples => _weight;

    /// <summary>Every node's class fractions, <see cref="ClassCount"/> per node.</summary>
    public ReadOnlySpan<float> Values => _values;

    public bool IsLeaf(int node) => _feature[node] < 0;

    public ReadOnlySpan<float> Value(int node) => _values.AsSpan(node * ClassCount, ClassCount);

    public int LeafCount => _feature.Count(f => f < 0);

    /// <summary>Edges on the longest root-to-leaf path (0 for a lone leaf).</summary>
    public int Depth
    {
        get
        {
            var depth = new int[NodeCount];
            var max = 0;
            for (var i = 0; i < NodeCount; i++)
            {
                if (_feature[i] < 0) continue;
                depth[_left[i]] = depth[_right[i]] = depth[i] + 1;
                max = Math.Max(max, depth[i] + 1);
            }
            return max;
        }
    }

    /// <summary>The leaf <paramref name="row"/> lands in.</summary>
    public int LeafOf(ReadOnlySpan<float> row)
    {
        if (row.Length != FeatureCount)
            throw new ArgumentException($"row has {row.Length} features, the tree expects {FeatureCount}", nameof(row));
        var node = 0;
        while (_feature[node] >= 0) node = row[_feature[node]] <= _threshold[node] ? _left[node] : _right[node];
        return node;
    }

    /// <summary>Adds this tree's class distribution for <paramref name="row"/> to <paramref name="sum"/>.</summary>
    internal void AccumulateProba(ReadOnlySpan<float> row, Span<double> sum)
    {
        var node = 0;
        while (_feature[node] >= 0) node = row[_feature[node]] <= _threshold[node] ? _left[node] : _right[node];
        var values = _values.AsSpan(node * ClassCount, ClassCount);
        for (var c = 0; c < values.Length; c++) sum[c] += values[c];
    }

    /// <summary>
    /// Mean decrease in impurity per feature, scikit-learn's <c>feature_importances_</c> of one tree: the sum over
    /// splits of N_t·impurity − N_tL·left impurity − N_tR·right impurity (weighted counts), divided by the root's
    /// weighted count, then scaled to sum to 1 unless it is all zero.
    /// </summary>
    public double[] FeatureImportances()
    {
        var importances = new double[FeatureCount];
        for (var i = 0; i < NodeCount; i++)
        {
            if (_feature[i] < 0) continue;
            int l = _left[i], r = _right[i];
            importances[_feature[i]] += _weight[i] * _impurity[i] - _weight[l] * _impurity[l] - _weight[r] * _impurity[r];
        }
        if (_weight[0] > 0)
        {
            for (var f = 0; f < importances.Length; f++) importances[f] /= _weight[0];
        }
        Normalise(importances);
        return importances;
    }

    internal static void Normalise(Span<double> values)
    {
        var sum = 0.0;
        foreach (var v in values) sum += v;
        if (sum <= 0) return;
        for (var i = 0; i < values.Length; i++) values[i] /= sum;
    }
}

/// <summary>A tree under construction; nodes may be added in any order and come out in pre-order.</summary>
internal sealed class TreeNodes(int classes)
{
    private readonly List<int> _feature = [];
    private readonly List<float> _threshold = [];
    private readonly List<int> _left = [];
    private readonly List<int> _right = [];
    private readonly List<double> _impurity = [];
    private readonly List<double> _weight = [];
    private readonly List<float> _values = [];

    public int Count => _feature.Count;

    public int Feature(int node) => _feature[node];

    public int Left(int node) => _left[node];

    public int Right(int node) => _right[node];

    /// <summary>Adds a leaf with the given totals (weighted class counts, then rows).</summary>
    public int Add(ReadOnlySpan<int> totals, double impurity)
    {
        _feature.Add(-1);
        _threshold.Add(0);
        _left.Add(-1);
        _right.Add(-1);
        _impurity.Add(0);
        _weight.Add(0);
        for (var c = 0; c < classes; c++) _values.Add(0);
        var node = Count - 1;
        SetTotals(node, totals, impurity);
        return node;
    }

    public void SetTotals(int node, ReadOnlySpan<int> totals, double impurity)
    {
        var weight = NodeSplitter.Weight(totals);
        _impurity[node] = impurity;
        _weight[node] = weight;
        for (var c = 0; c < classes; c++)
            _values[node * classes + c] = weight > 0 ? (float)((double)totals[c] / weight) : 1f / classes;
    }

    public void SetSplit(int node, int feature, float threshold, int left, int right)
    {
        _feature[node] = feature;
        _threshold[node] = threshold;
        _left[node] = left;
        _right[node] = right;
    }

    public void SetChild(int node, bool right, int child)
    {
        if (right) _right[node] = child;
        else _left[node] = child;
    }

    public void Clear()
    {
        _feature.Clear();
        _threshold.Clear();
        _left.Clear();
        _right.Clear();
        _impurity.Clear();
        _weight.Clear();
        _values.Clear();
    }

    /// <summary>The finished tree, renumbered into pre-order from node 0.</summary>
    public DecisionTree ToTree(int features)
    {
        var n = Count;
        var order = new int[n]; // new index → old index
        var stack = new Stack<int>();
        stack.Push(0);
        var next = 0;
        while (stack.Count > 0)
        {
            var old = stack.Pop();
            order[next++] = old;
            if (_feature[old] < 0) continue;
            stack.Push(_right[old]);
            stack.Push(_left[old]);
        }
        if (next != n) throw new InvalidOperationException($"{n - next} nodes are not reachable from the root");
        var newIndex = new int[n];
        for (var i = 0; i < n; i++) newIndex[order[i]] = i;

        var feature = new int[n];
        var threshold = new float[n];
        var left = new int[n];
        var right = new int[n];
        var impurity = new double[n];
        var weight = new double[n];
        var values = new float[n * classes];
        for (var i = 0; i < n; i++)
        {
            var old = order[i];
            feature[i] = _feature[old];
            threshold[i] = _threshold[old];
            left[i] = _feature[old] < 0 ? -1 : newIndex[_left[old]];
            right[i] = _feature[old] < 0 ? -1 : newIndex[_right[old]];
            impurity[i] = _impurity[old];
            weight[i] = _weight[old];
            for (var c = 0; c < classes; c++) values[i * classes + c] = _values[old * classes + c];
        }
        return new DecisionTree(features, classes, feature, threshold, left, right, impurity, weight, values);
    }
}
