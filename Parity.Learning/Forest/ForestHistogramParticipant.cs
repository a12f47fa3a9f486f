using Parity.Learning.Data;

namespace Parity.Learning.Forest;

/// <summary>
/// A participant's side of histogram-merge federated training (see <see cref="FederatedForestPlan"/>): holds its
/// shard binned with the shared edges and answers histogram requests. It keeps no state between requests; each
/// request carries the splits its rows are routed through.
/// </summary>
public sealed class ForestHistogramParticipant
{
    private readonly FederatedForestPlan _plan;
    private readonly Dataset _shard;
    private readonly int[] _globalRows;
    private readonly int[] _classOf;
    private readonly ushort[] _bins; // row-major

    /// <param name="globalRows">Each shard row's global id (its index in the full dataset).</param>
    public ForestHistogramParticipant(FederatedForestPlan plan, Dataset shard, IReadOnlyList<int> globalRows)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(globalRows);
        if (shard.Columns != plan.FeatureCount)
            throw new ArgumentException($"the shard has {shard.Columns} features, the plan {plan.FeatureCount}", nameof(shard));
        if (globalRows.Count != shard.Rows)
            throw new ArgumentException($"{globalRows.Count} global row ids for {shard.Rows} rows", nameof(globalRows));
        var seen = new HashSet<int>();
        foreach (var id in globalRows)
        {
            if ((uint)id >= (uint)plan.TotalRows)
                throw new ArgumentException($"global row id {id} is outside [0, {plan.TotalRows})", nameof(globalRows));
            if (!seen.Add(id)) throw new ArgumentException($"global row id {id} appears twice", nameof(globalRows));
        }
        ForestData.CheckFinite(shard);

        _plan = plan;
        _shard = shard;
        _globalRows = globalRows.ToArray();
        _classOf = ForestData.ClassIndices(shard, plan.Classes);
        var features = shard.Columns;
        _bins = new ushort[(long)shard.Rows * features];
        var all = shard.Features.Span;
        for (var i = 0; i < all.Length; i++) _bins[i] = (ushort)plan.Edges.BinOf(i % features, all[i]);
    }

    public HistogramResponse ComputeHistograms(HistogramRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var trees = new TreeHistograms[request.Trees.Count];
        for (var t = 0; t < trees.Length; t++) trees[t] = Compute(request.Trees[t]);
        return new HistogramResponse(trees);
    }

    /// <summary>This shard's share of the out-of-bag score of a finished forest (add the participants' tallies).</summary>
    public OobTally ComputeOob(RandomForest forest)
    {
        ArgumentNullException.ThrowIfNull(forest);
        var settings = _plan.Settings;
        if (settings.BootstrapRate == 0) throw new InvalidOperationException("without bootstrap no row is out of bag");
        var inBag = new int[forest.Trees.Count][];
        for (var t = 0; t < inBag.Length; t++)
        {
            inBag[t] = new int[_globalRows.Length];
            ForestRandom.RowWeights(settings, t, _globalRows, inBag[t]);
        }
        return OobTally.Of(forest, _shard, _classOf, (t, r) => inBag[t][r] == 0, _plan.Options.ThreadCount);
    }

    private TreeHistograms Compute(TreeFrontier frontier)
    {
        Check(frontier);
        var layout = _plan.Layout;
        var stride = layout.Stride;
        var classes = layout.Classes;
        var features = _plan.FeatureCount;
        var slot = new int[frontier.SplitFeature.Length];
        Array.Fill(slot, -1);
        for (var k = 0; k < frontier.Nodes.Length; k++) slot[frontier.Nodes[k]] = k;
        var histograms = new int[frontier.Nodes.Length][];
        for (var k = 0; k < histograms.Length; k++) histograms[k] = new int[layout.Size];

        var weights = new int[_globalRows.Length];
        ForestRandom.RowWeights(_plan.Settings, frontier.Tree, _globalRows, weights);
        for (var i = 0; i < _globalRows.Length; i++)
        {
            var weight = weights[i];
            if (weight == 0) continue;
            var bins = _bins.AsSpan(i * features, features);
            var node = 0;
            while (frontier.SplitFeature[node] >= 0)
                node = bins[frontier.SplitFeature[node]] <= frontier.SplitBin[node] ? frontier.Left[node] : frontier.Right[node];
            if (slot[node] < 0) continue;
            var histogram = histograms[slot[node]];
            for (var f = 0; f < features; f++)
            {
                var at = layout.Offset(f) + bins[f] * stride;
                histogram[at + _classOf[i]] += weight;
                histogram[at + classes]++;
            }
        }
        return new TreeHistograms(frontier.Tree, histograms);
    }

    private void Check(TreeFrontier frontier)
    {
        ArgumentNullException.ThrowIfNull(frontier);
        if ((uint)frontier.Tree >= (uint)_plan.Settings.Trees)
            throw new ArgumentException($"tree {frontier.Tree} is outside [0, {_plan.Settings.Trees})");
        var n = frontier.SplitFeature?.Length ?? 0;
        if (n == 0 || frontier.SplitBin?.Length != n || frontier.Left?.Length != n || frontier.Right?.Length != n
            || frontier.Nodes is null)
            throw new ArgumentException($"tree {frontier.Tree}: the split arrays are missing or differ in length");
        for (var i = 0; i < n; i++)
        {
            var feature = frontier.SplitFeature![i];
            if (feature < 0) continue;
            if (feature >= _plan.FeatureCount)
                throw new ArgumentException($"tree {frontier.Tree} node {i} splits on feature {feature}, outside [0, {_plan.FeatureCount})");
            if ((uint)frontier.SplitBin![i] >= (uint)_plan.Edges.BinCount(feature))
                throw new ArgumentException($"tree {frontier.Tree} node {i} splits at bin {frontier.SplitBin[i]}, outside feature {feature}'s bins");
            if (frontier.Left![i] <= i || frontier.Left[i] >= n || frontier.Right![i] <= i || frontier.Right[i] >= n)
                throw new ArgumentException($"tree {frontier.Tree} node {i} has children outside ({i}, {n})");
        }
        var wanted = new HashSet<int>();
        foreach (var node in frontier.Nodes)
        {
            if ((uint)node >= (uint)n || !wanted.Add(node))
                throw new ArgumentException($"tree {frontier.Tree}: requested node {node} is out of range or repeated");
        }
    }
}
