using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

public sealed class FederatedForestTests
{
    private static ForestHistogramParticipant[] Participants(FederatedForestPlan plan, Dataset data, int[][] parts) =>
        parts.Select(rows => new ForestHistogramParticipant(plan, data.Subset(rows), rows)).ToArray();

    private static int[][] Shards(Dataset data, PartitionStrategy strategy, int count, long seed) =>
        Partitioner.SelectAll(data.Labels.Span, new PartitionConfig
        {
            Strategy = strategy, TotalParts = count, PartIndex = 0, Seed = seed, Alpha = 0.3,
        });

    private static RandomForest TrainFederated(
        FederatedForestPlan plan, ForestHistogramParticipant[] participants, long maxCellsPerRequest = 1L << 24)
    {
        var coordinator = new ForestHistogramCoordinator(plan, maxCellsPerRequest);
        var rounds = 0;
        while (!coordinator.IsComplete)
        {
            var request = coordinator.NextRequest();
            coordinator.Apply(participants.Select(p => p.ComputeHistograms(request)).ToArray());
            rounds++;
        }
        Assert.True(rounds > 1);
        var oob = plan.Options.OobScore
            ? participants.Select(p => p.ComputeOob(coordinator.BuildForest())).Aggregate((a, b) => a + b)
            : (OobTally?)null;
        return coordinator.BuildForest(oob);
    }

    public static TheoryData<string, PartitionStrategy> Variants() => new()
    {
        { "sqrt", PartitionStrategy.Random },
        { "all", PartitionStrategy.Stratified },
        { "entropy", PartitionStrategy.NonIid },
        { "subsample", PartitionStrategy.LabelSkew },
        { "limits", PartitionStrategy.Random },
    };

    private static ForestOptions OptionsFor(string variant)
    {
        var options = new ForestOptions { Trees = 8, RandomState = 17, OobScore = true };
        return variant switch
        {
            "sqrt" => options,
            "all" => options with { MaxFeatures = MaxFeatures.All },
            "entropy" => options with { Criterion = SplitCriterion.Entropy, MaxFeatures = 0.3 },
            "subsample" => options with { MaxSamples = 0.5, MaxFeatures = MaxFeatures.Log2 },
            "limits" => options with { MaxDepth = 6, MinSamplesLeaf = 3, MinSamplesSplit = 10, MinImpurityDecrease = 0.001 },
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
    }

    /// <summary>
    /// The key property: participants holding disjoint shards of digits, sending only histograms, produce exactly the
    /// forest a single machine trains on all the rows with the same seed and bin edges: same features, thresholds,
    /// children, weights and leaf values (byte-identical serializations, OOB score included), same predictions.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void The_federated_forest_equals_the_centralized_one(string variant, PartitionStrategy strategy)
    {
        var data = Digits;
        var options = OptionsFor(variant);
        var parts = Shards(data, strategy, 3, seed: 2);
        Assert.Equal(data.Rows, parts.Sum(p => p.Length));

        // The coordinator builds the edges and the class list from what participants send about their shards.
        var edges = BinEdges.FromSummaries(parts.Select(rows => ValueSummary.Of(data.Subset(rows))).ToArray(), options.MaxBins);
        var classes = parts.SelectMany(rows => rows.Select(r => data.Label(r))).Distinct().Order().ToArray();
        var plan = new FederatedForestPlan(options, edges, classes, data.Rows);

        var federated = TrainFederated(plan, Participants(plan, data, parts));
        var centralized = new ForestTrainer(options).Fit(data, edges);

        Assert.Equal(Bytes(centralized), Bytes(federated));
        Assert.Equal(centralized.Predict(data), federated.Predict(data));
        Assert.NotNull(federated.OobScore);
        Assert.True(federated.Trees.Sum(t => t.NodeCount) > 8 * 20, "trees should be non-trivial");
    }

    [Fact]
    public void The_equality_holds_with_quantile_bins_and_one_tree_per_round()
    {
        // Many distinct values: the edges are quantiles, given to both sides.
        var data = OnlyFeatureZeroMatters(3000, 6, seed: 4);
        var parts = Shards(data, PartitionStrategy.Random, 4, seed: 9);
        var options = new ForestOptions { Trees = 5, RandomState = 3, MaxBins = 32, MaxDepth = 8 };
        var edges = BinEdges.Compute(data, options.MaxBins);
        Assert.Equal(32, edges.BinCount(0));
        var plan = new FederatedForestPlan(options, edges, [0f, 1f], data.Rows);

        var oneTreePerRound = TrainFederated(plan, Participants(plan, data, parts), maxCellsPerRequest: 1);
        var centralized = new ForestTrainer(options).Fit(data, edges);

        Assert.Equal(Bytes(centralized), Bytes(oneTreePerRound));
    }

    [Fact]
    public void A_shard_missing_classes_still_counts_them_through_the_shared_class_list()
    {
        var data = Iris;
        var labels = data.Labels.ToArray();
        var parts = new[]
        {
            Enumerable.Range(0, data.Rows).Where(r => labels[r] == 0).ToArray(),
            Enumerable.Range(0, data.Rows).Where(r => labels[r] != 0).ToArray(),
        };
        var options = new ForestOptions { Trees = 6, RandomState = 8 };
        var edges = BinEdges.Compute(data);
        var plan = new FederatedForestPlan(options, edges, [0f, 1f, 2f], data.Rows);

        var federated = TrainFederated(plan, Participants(plan, data, parts));

        Assert.Equal(Bytes(new ForestTrainer(options).Fit(data, edges)), Bytes(federated));
        Assert.True(federated.Score(data) > 0.95);
    }

    /// <summary>Two trees on iris with one participant holding every row, and the centralized forest it must equal.</summary>
    private static (FederatedForestPlan Plan, ForestHistogramParticipant Honest, ForestHistogramCoordinator Coordinator, RandomForest Centralized)
        OneHonestParticipant()
    {
        var data = Iris;
        var options = new ForestOptions { Trees = 2, RandomState = 1, Bootstrap = false, MaxFeatures = MaxFeatures.All };
        var edges = BinEdges.Compute(data);
        var plan = new FederatedForestPlan(options, edges, [0f, 1f, 2f], data.Rows);
        var honest = new ForestHistogramParticipant(plan, data, Enumerable.Range(0, data.Rows).ToArray());
        return (plan, honest, new ForestHistogramCoordinator(plan), new ForestTrainer(options).Fit(data, edges));
    }

    [Fact]
    public void Inconsistent_answers_are_rejected_and_the_round_can_be_retried()
    {
        var (_, honest, coordinator, centralized) = OneHonestParticipant();

        var root = coordinator.NextRequest();
        coordinator.Apply([honest.ComputeHistograms(root)]);
        var next = coordinator.NextRequest();
        var answer = honest.ComputeHistograms(next);
        HistogramResponse Tampered(Func<int[], int[]> change) =>
            new(answer.Trees.Select(t => new TreeHistograms(t.Tree, t.Nodes.Select(change).ToArray())).ToArray());

        var wrongShape = new HistogramResponse([new TreeHistograms(0, [new int[3]])]);
        Assert.StartsWith("response 0", Assert.Throws<ArgumentException>(() => coordinator.Apply([wrongShape])).Message);
        var inflated = Tampered(h => h.Select(v => v * 2).ToArray());
        Assert.Contains("disagree with the parent's split", Assert.Throws<ArgumentException>(() => coordinator.Apply([inflated])).Message);
        var oneFeatureOff = Tampered(h =>
        {
            var copy = (int[])h.Clone();
            copy[^1]++; // the last feature's last bin: one more row than the other features count
            return copy;
        });
        Assert.Contains("features 0 and 3 disagree", Assert.Throws<ArgumentException>(() => coordinator.Apply([oneFeatureOff])).Message);

        // Nothing changed: the honest answer is accepted and training finishes with the centralized forest.
        coordinator.Apply([answer]);
        var federated = coordinator.Run(request => [honest.ComputeHistograms(request)]);
        Assert.Equal(Bytes(centralized), Bytes(federated));
    }

    [Fact]
    public void Each_malformed_answer_is_refused_naming_what_is_wrong_and_changes_nothing()
    {
        var (plan, honest, coordinator, centralized) = OneHonestParticipant();
        Assert.Equal("there is no outstanding request",
            Assert.Throws<InvalidOperationException>(() => coordinator.Apply([])).Message);

        var request = coordinator.NextRequest();
        var answer = honest.ComputeHistograms(request);
        HistogramResponse WithFirstTree(TreeHistograms first) => new([first, .. answer.Trees.Skip(1)]);
        var first = answer.Trees[0];
        string Refused(params HistogramResponse[] responses) =>
            Assert.Throws<ArgumentException>(() => coordinator.Apply(responses)).Message;

        Assert.StartsWith("no responses to merge", Refused());
        Assert.StartsWith("response 1 is null", Refused(answer, null!));
        Assert.StartsWith("response 0 does not match the request's tree 0 and its 1 nodes",
            Refused(WithFirstTree(first with { Tree = 1 })));
        Assert.StartsWith("response 1 does not match the request's tree 0 and its 1 nodes",
            Refused(answer, WithFirstTree(first with { Nodes = [.. first.Nodes, first.Nodes[0]] })));
        Assert.StartsWith($"response 0, tree 0: a histogram has {plan.HistogramSize - 1} counts, expected {plan.HistogramSize}",
            Refused(WithFirstTree(first with { Nodes = [first.Nodes[0][1..]] })));
        Assert.StartsWith($"response 0, tree 0: a histogram has 0 counts, expected {plan.HistogramSize}",
            Refused(WithFirstTree(first with { Nodes = [null!] })));
        var negative = (int[])first.Nodes[0].Clone();
        negative[^1] = -1;
        Assert.StartsWith("response 0, tree 0: negative counts", Refused(WithFirstTree(first with { Nodes = [negative] })));

        // None of the refusals touched the trees: the honest answer still trains the centralized forest.
        coordinator.Apply([answer]);
        var federated = coordinator.Run(next => [honest.ComputeHistograms(next)]);
        Assert.Equal(Bytes(centralized), Bytes(federated));
    }

    [Fact]
    public void A_participant_refuses_a_shard_that_does_not_fit_the_plan()
    {
        var data = Iris;
        var plan = new FederatedForestPlan(new ForestOptions { Trees = 2, RandomState = 1 }, BinEdges.Compute(data), [0f, 1f, 2f], data.Rows);
        Assert.StartsWith("the shard has 3 features, the plan 4",
            Assert.Throws<ArgumentException>(() => new ForestHistogramParticipant(plan, Make([[1, 2, 3]], [0]), [0])).Message);
        Assert.StartsWith("1 global row ids for 2 rows",
            Assert.Throws<ArgumentException>(() => new ForestHistogramParticipant(plan, data.Subset([0, 1]), [0])).Message);
        var participant = new ForestHistogramParticipant(plan, data, Enumerable.Range(0, data.Rows).ToArray());
        var bins = plan.Edges.BinCount(0);
        Assert.StartsWith($"tree 0 node 0 splits at bin {bins}, outside feature 0's bins",
            Request(participant, new TreeFrontier(0, [0, -1, -1], [bins, 0, 0], [1, -1, -1], [2, -1, -1], [1])));
        Assert.StartsWith("tree 0 node 0 splits at bin -1, outside feature 0's bins",
            Request(participant, new TreeFrontier(0, [0, -1, -1], [-1, 0, 0], [1, -1, -1], [2, -1, -1], [1])));
    }

    [Fact]
    public void Participants_reject_malformed_requests()
    {
        var data = Iris;
        var plan = new FederatedForestPlan(new ForestOptions { Trees = 2, RandomState = 1 }, BinEdges.Compute(data), [0f, 1f, 2f], data.Rows);
        var participant = new ForestHistogramParticipant(plan, data, Enumerable.Range(0, data.Rows).ToArray());

        Assert.StartsWith("tree 5 is outside [0, 2)", Request(participant, new TreeFrontier(5, [-1], [0], [-1], [-1], [0])));
        Assert.StartsWith("tree 0 node 0 splits on feature 9", Request(participant, new TreeFrontier(0, [9, -1, -1], [0, 0, 0], [1, -1, -1], [2, -1, -1], [1])));
        Assert.StartsWith("tree 0 node 0 has children outside", Request(participant, new TreeFrontier(0, [0, -1, -1], [0, 0, 0], [0, -1, -1], [2, -1, -1], [1])));
        Assert.StartsWith("tree 0: requested node 3 is out of range", Request(participant, new TreeFrontier(0, [-1], [0], [-1], [-1], [3])));
        Assert.StartsWith("tree 0: the split arrays", Request(participant, new TreeFrontier(0, [-1], [], [-1], [-1], [0])));
    }

    [Fact]
    public void Participants_reject_bad_row_ids()
    {
        var data = Iris;
        var plan = new FederatedForestPlan(new ForestOptions { RandomState = 1 }, BinEdges.Compute(data), [0f, 1f, 2f], data.Rows);
        var shard = data.Subset([0, 1]);
        Assert.StartsWith("global row id 150 is outside [0, 150)",
            Assert.Throws<ArgumentException>(() => new ForestHistogramParticipant(plan, shard, [0, 150])).Message);
        Assert.StartsWith("global row id 3 appears twice",
            Assert.Throws<ArgumentException>(() => new ForestHistogramParticipant(plan, shard, [3, 3])).Message);
        Assert.StartsWith("label 7 of row 0 is not one of the forest's classes",
            Assert.Throws<ArgumentException>(() => new ForestHistogramParticipant(plan, Make([[1, 2, 3, 4]], [7]), [0])).Message);
    }

    private static string Request(ForestHistogramParticipant participant, TreeFrontier frontier) =>
        Assert.Throws<ArgumentException>(() => participant.ComputeHistograms(new HistogramRequest([frontier]))).Message;
}
