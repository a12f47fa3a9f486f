using Parity.Learning.Models;
namespace Parity.Learning.Forest;

/// <summary>
/// What the coordinator and every participant of histogram-merge federated training share: the options (with a
/// seed), the bin edges, the class labels and the total row count. Rows are identified by a global id in
/// [0, <see cref="TotalRows"/>) that every party agrees on (the row's index in the full dataset); a row's
/// bootstrap weight depends only on (seed, tree, global id), so it is the same whoever holds the row.
/// </summary>
/// <remarks>
/// The protocol, one round per tree level (several trees may share a round):
/// <list type="number">
/// <item>Before training, participants send <see cref="ValueSummary.Of"/> of their rows and their distinct labels;
/// the coordinator builds the edges with <see cref="BinEdges.FromSummaries"/> and the plan, and broadcasts the
/// plan.</item>
/// <item>The coordinator's <see cref="ForestHistogramCoordinator.NextRequest"/> names, per tree, the splits made so
/// far and the frontier nodes it needs histograms of.</item>
/// <item>Each participant answers with <see cref="ForestHistogramParticipant.ComputeHistograms"/>: per node, per
/// feature, per bin, the bootstrap-weighted class counts and distinct row count of its own rows there.</item>
/// <item>The coordinator sums the answers, derives sibling histograms by subtraction, chooses the splits
/// (<see cref="ForestHistogramCoordinator.Apply"/>) and repeats until every tree is done.</item>
/// </list>
/// The splits are chosen by the same code, from the same counts, as the centralized <see cref="ForestTrainer"/>
/// uses, so given the same edges and seed the forest equals the one trained on the union of the data.
/// </remarks>
public sealed class FederatedForestPlan
{
    public FederatedForestPlan(ForestOptions options, BinEdges edges, IReadOnlyList<float> classes, int totalRows)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(classes);
        if (options.RandomState is not { } seed)
            throw new ModelConfigException(
                "random_state is required for federated training: every participant must draw the same numbers", "random_state");
        ArgumentOutOfRangeException.ThrowIfLessThan(totalRows, 1);
        ForestData.CheckClasses(classes);
        Options = options;
        Edges = edges;
        Classes = classes.ToArray();
        TotalRows = totalRows;
        Settings = ForestSettings.Resolve(options, totalRows, edges.FeatureCount, Classes.Count, seed);
        Layout = new HistogramLayout(edges, Classes.Count);
    }

    public ForestOptions Options { get; }

    public BinEdges Edges { get; }

    public IReadOnlyList<float> Classes { get; }

    public int TotalRows { get; }

    public int FeatureCount => Edges.FeatureCount;

    /// <summary>
    /// Length of one node's histogram in a <see cref="HistogramResponse"/>: per feature f (in order), per bin b,
    /// the weighted count of each class then the distinct row count, at
    /// <c>Σ_{g&lt;f} BinCount(g)·(classes+1) + b·(classes+1)</c>.
    /// </summary>
    public int HistogramSize => Layout.Size;

    internal ForestSettings Settings { get; }

    internal HistogramLayout Layout { get; }
}

/// <summary>
/// One tree's state as a participant needs it: the splits so far (nodes in the coordinator's numbering, node 0
/// the root; <c>SplitFeature[i] = −1</c> while node i is not split) and the nodes whose histograms are wanted.
/// A split sends rows with bin ≤ <c>SplitBin[i]</c> to <c>Left[i]</c>, the others to <c>Right[i]</c>.
/// </summary>
public sealed record TreeFrontier(int Tree, int[] SplitFeature, int[] SplitBin, int[] Left, int[] Right, int[] Nodes);

public sealed record HistogramRequest(IReadOnlyList<TreeFrontier> Trees);

/// <summary>For the tree of the same position in the request, one histogram per requested node, in order.</summary>
public sealed record TreeHistograms(int Tree, IReadOnlyList<int[]> Nodes);

public sealed record HistogramResponse(IReadOnlyList<TreeHistograms> Trees);
