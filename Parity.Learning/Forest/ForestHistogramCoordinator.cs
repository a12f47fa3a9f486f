using System.Numerics.Tensors;

namespace Parity.Learning.Forest;

/// <summary>
/// The coordinator's side of histogram-merge federated training (see <see cref="FederatedForestPlan"/>). It sees
/// only summed histograms, never rows. Per split it asks for the smaller child's histograms and derives the larger
/// child's as parent − smaller; a child that will be a leaf anyway (too deep, too few rows, pure) is not asked for.
/// </summary>
public sealed class ForestHistogramCoordinator
{
    private readonly FederatedForestPlan _plan;
    private readonly NodeSplitter _splitter;
    private readonly TreeState[] _trees;
    private readonly long _maxCellsPerRequest;
    private HistogramRequest? _outstanding;

    /// <param name="maxCellsPerRequest">How many histogram counts one request may ask each participant for; trees
    /// are added to a request while they fit (always at least one tree).</param>
    public ForestHistogramCoordinator(FederatedForestPlan plan, long maxCellsPerRequest = 1L << 24)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCellsPerRequest, 1);
        _plan = plan;
        _maxCellsPerRequest = maxCellsPerRequest;
        _splitter = new NodeSplitter(plan.Settings, plan.Layout, plan.Edges);
        _trees = new TreeState[plan.Settings.Trees];
        for (var t = 0; t < _trees.Length; t++) _trees[t] = new TreeState(plan.Layout.Classes);
    }

    public bool IsComplete => _trees.All(t => t.Requested.Count == 0);

    /// <summary>The next round's request. Answer it with every participant's response before asking again.</summary>
    public HistogramRequest NextRequest()
    {
        if (_outstanding is not null) throw new InvalidOperationException("the previous request has not been answered");
        if (IsComplete) throw new InvalidOperationException("every tree is complete");
        var frontiers = new List<TreeFrontier>();
        var cells = 0L;
        for (var t = 0; t < _trees.Length; t++)
        {
            var tree = _trees[t];
            if (tree.Requested.Count == 0) continue;
            var size = (long)tree.Requested.Count * _plan.Layout.Size;
            if (frontiers.Count > 0 && cells + size > _maxCellsPerRequest) break;
            cells += size;
            frontiers.Add(new TreeFrontier(
                t, tree.SplitFeature.ToArray(), tree.SplitBin.ToArray(), tree.Left.ToArray(), tree.Right.ToArray(),
                tree.Requested.ToArray()));
        }
        _outstanding = new HistogramRequest(frontiers);
        return _outstanding;
    }

    /// <summary>Merges every participant's answer to the outstanding request and grows the trees one level.</summary>
    public void Apply(IReadOnlyList<HistogramResponse> responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        var request = _outstanding ?? throw new InvalidOperationException("there is no outstanding request");
        if (responses.Count == 0) throw new ArgumentException("no responses to merge", nameof(responses));
        var size = _plan.Layout.Size;
        for (var p = 0; p < responses.Count; p++)
        {
            var response = responses[p] ?? throw new ArgumentException($"response {p} is null", nameof(responses));
            if (response.Trees.Count != request.Trees.Count)
                throw new ArgumentException($"response {p} answers {response.Trees.Count} trees, the request asked for {request.Trees.Count}", nameof(responses));
            for (var i = 0; i < request.Trees.Count; i++)
            {
                var asked = request.Trees[i];
                var got = response.Trees[i];
                if (got.Tree != asked.Tree || got.Nodes.Count != asked.Nodes.Length)
                    throw new ArgumentException($"response {p} does not match the request's tree {asked.Tree} and its {asked.Nodes.Length} nodes", nameof(responses));
                foreach (var histogram in got.Nodes)
                {
                    if (histogram is null || histogram.Length != size)
                        throw new ArgumentException($"response {p}, tree {asked.Tree}: a histogram has {histogram?.Length ?? 0} counts, expected {size}", nameof(responses));
                    if (histogram.AsSpan().IndexOfAnyInRange(int.MinValue, -1) >= 0)
                        throw new ArgumentException($"response {p}, tree {asked.Tree}: negative counts", nameof(responses));
                }
            }
        }

        var mergedTrees = new int[request.Trees.Count][][];
        for (var i = 0; i < request.Trees.Count; i++)
        {
            var asked = request.Trees[i];
            var merged = mergedTrees[i] = new int[asked.Nodes.Length][];
            var firstBins = _plan.Layout.FeatureSize(0);
            for (var k = 0; k < merged.Length; k++)
            {
                // No merged cell can exceed the sum of the parts' totals (feature 0's cells: every row once): when that
                // fits an int, the cells are added with vector instructions and cannot overflow.
                var bound = 0L;
                foreach (var response in responses)
                {
                    foreach (var count in response.Trees[i].Nodes[k].AsSpan(0, firstBins)) bound += count;
                }
                if (bound > int.MaxValue) throw new ArgumentException($"tree {asked.Tree}: a merged count overflows", nameof(responses));
                var sum = merged[k] = (int[])responses[0].Trees[i].Nodes[k].Clone();
                for (var p = 1; p < responses.Count; p++) TensorPrimitives.Add(sum, responses[p].Trees[i].Nodes[k], sum);
            }
            Check(asked.Tree, merged);
        }

        // Only now that every answer is known to be consistent does the state change: a rejected Apply can be
        // retried with corrected responses.
        for (var i = 0; i < request.Trees.Count; i++) Grow(request.Trees[i].Tree, mergedTrees[i]);
        _outstanding = null;
    }

    /// <summary>The finished forest. Pass the participants' summed <see cref="OobTally"/> for an OOB score.</summary>
    public RandomForest BuildForest(OobTally? outOfBag = null)
    {
        if (!IsComplete) throw new InvalidOperationException("training is not complete");
        var trees = _trees.Select(t => t.Nodes.ToTree(_plan.FeatureCount)).ToArray();
        return new RandomForest(trees, _plan.Classes, null, outOfBag?.Score);
    }

    /// <summary>Runs every round through <paramref name="exchange"/>, which sends a request to each participant and
    /// returns their responses.</summary>
    public RandomForest Run(Func<HistogramRequest, IReadOnlyList<HistogramResponse>> exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        while (!IsComplete) Apply(exchange(NextRequest()));
        return BuildForest();
    }

    /// <summary>
    /// Rejects merged histograms that cannot be right: features that disagree on the node's totals, totals other than
    /// the parent's split promised, or a sibling left with negative counts by subtraction.
    /// </summary>
    private void Check(int treeIndex, int[][] merged)
    {
        var tree = _trees[treeIndex];
        for (var k = 0; k < merged.Length; k++)
        {
            var index = tree.Requested[k];
            var totals = TotalsOf(merged[k], 0);
            for (var f = 1; f < _plan.FeatureCount; f++)
            {
                if (!TotalsOf(merged[k], f).AsSpan().SequenceEqual(totals))
                    throw new ArgumentException(
                        $"tree {treeIndex} node {index}: the merged histograms of features 0 and {f} disagree on the node's counts (participants sent inconsistent counts)");
            }
            if (tree.Info[index].Totals is { } expected && !totals.AsSpan().SequenceEqual(expected))
                throw new ArgumentException(
                    $"tree {treeIndex} node {index}: the merged histograms disagree with the parent's split (participants sent inconsistent counts)");
        }
        foreach (var (child, parent, sibling) in tree.Derived)
        {
            var parentHistogram = tree.Info[parent].Histogram!;
            var siblingHistogram = merged[tree.Requested.IndexOf(sibling)];
            for (var j = 0; j < parentHistogram.Length; j++)
            {
                if (parentHistogram[j] < siblingHistogram[j])
                    throw new ArgumentException(
                        $"tree {treeIndex} node {child}: subtracting its sibling leaves negative counts (participants sent inconsistent counts)");
            }
        }
    }

    private void Grow(int treeIndex, int[][] merged)
    {
        var tree = _trees[treeIndex];
        var layout = _plan.Layout;
        for (var k = 0; k < merged.Length; k++)
        {
            var node = tree.Info[tree.Requested[k]];
            if (node.Totals is null)
            {
                // The root: its totals are first known from its histograms.
                var totals = TotalsOf(merged[k], 0);
                node.Totals = totals;
                node.Impurity = _splitter.Impurity(totals);
                tree.Nodes.SetTotals(0, totals, node.Impurity);
                tree.RootWeight = NodeSplitter.Weight(totals);
                node.Expand = !_splitter.MustBeLeaf(totals, 0, node.Impurity);
            }
            node.Histogram = merged[k];
        }
        foreach (var (child, parent, sibling) in tree.Derived)
        {
            var histogram = tree.Info[parent].Histogram!;
            HistogramLayout.Subtract(histogram, tree.Info[sibling].Histogram);
            tree.Info[child].Histogram = histogram;
            tree.Info[parent].Histogram = null;
        }

        var ready = tree.Requested.Concat(tree.Derived.Select(d => d.Child)).Order().ToArray();
        tree.Requested.Clear();
        tree.Derived.Clear();
        var source = new HistogramSource(layout);
        foreach (var index in ready)
        {
            var node = tree.Info[index];
            if (!node.Expand)
            {
                node.Histogram = null;
                continue;
            }
            source.Counts = node.Histogram!;
            if (!_splitter.TrySplit(source, node.Totals!, node.Impurity, tree.RootWeight, treeIndex, node.Key))
            {
                node.Histogram = null;
                continue;
            }
            var stride = layout.Stride;
            var leftTotals = _splitter.LeftTotals.ToArray();
            var rightTotals = new int[stride];
            for (var c = 0; c < stride; c++) rightTotals[c] = node.Totals![c] - leftTotals[c];
            var left = tree.AddNode(node.Depth + 1, ForestRandom.ChildKey(node.Key, false), leftTotals, _splitter);
            var right = tree.AddNode(node.Depth + 1, ForestRandom.ChildKey(node.Key, true), rightTotals, _splitter);
            tree.SplitFeature[index] = _splitter.Feature;
            tree.SplitBin[index] = _splitter.ThresholdBin;
            tree.Left[index] = left;
            tree.Right[index] = right;
            tree.Nodes.SetSplit(index, _splitter.Feature, _splitter.Threshold, left, right);

            bool leftExpands = tree.Info[left].Expand, rightExpands = tree.Info[right].Expand;
            if (!leftExpands && !rightExpands)
            {
                node.Histogram = null;
                continue;
            }
            var (smaller, larger) = NodeSplitter.Rows(leftTotals) <= NodeSplitter.Rows(rightTotals) ? (left, right) : (right, left);
            tree.Requested.Add(smaller);
            if (tree.Info[larger].Expand) tree.Derived.Add((larger, index, smaller));
            else node.Histogram = null;
        }
    }

    /// <summary>A node's totals as one feature's histogram counts them: the sum over its bins.</summary>
    private int[] TotalsOf(int[] histogram, int feature)
    {
        var layout = _plan.Layout;
        var stride = layout.Stride;
        var counts = histogram.AsSpan(layout.Offset(feature), layout.FeatureSize(feature));
        var totals = new int[stride];
        for (var b = 0; b < layout.Bins(feature); b++)
        {
            for (var c = 0; c < stride; c++) totals[c] += counts[b * stride + c];
        }
        return totals;
    }

    private sealed class NodeInfo
    {
        public int Depth;
        public ulong Key;
        public int[]? Totals;
        public double Impurity;
        public bool Expand;
        public int[]? Histogram;
    }

    private sealed class TreeState
    {
        public TreeState(int classes)
        {
            Nodes = new TreeNodes(classes);
            Nodes.Add(new int[classes + 1], 0);
            Info.Add(new NodeInfo { Depth = 0, Key = ForestRandom.RootKey });
            SplitFeature.Add(-1);
            SplitBin.Add(0);
            Left.Add(-1);
            Right.Add(-1);
            Requested.Add(0);
        }

        public TreeNodes Nodes { get; }
        public List<NodeInfo> Info { get; } = [];
        public List<int> SplitFeature { get; } = [];
        public List<int> SplitBin { get; } = [];
        public List<int> Left { get; } = [];
        public List<int> Right { get; } = [];
        public List<int> Requested { get; } = [];
        public List<(int Child, int Parent, int Sibling)> Derived { get; } = [];
        public long RootWeight;

        public int AddNode(int depth, ulong key, int[] totals, NodeSplitter splitter)
        {
            var impurity = splitter.Impurity(totals);
            var index = Nodes.Add(totals, impurity);
            Info.Add(new NodeInfo
            {
                Depth = depth, Key = key, Totals = totals, Impurity = impurity,
                Expand = !splitter.MustBeLeaf(totals, depth, impurity),
            });
            SplitFeature.Add(-1);
            SplitBin.Add(0);
            Left.Add(-1);
            Right.Add(-1);
            return index;
        }
    }

    private sealed class HistogramSource(HistogramLayout layout) : IFeatureHistograms
    {
        public int[] Counts { get; set; } = [];

        public FeatureHistogram Histogram(int feature) => new(Counts.AsSpan(layout.Offset(feature), layout.FeatureSize(feature)));
    }
}
