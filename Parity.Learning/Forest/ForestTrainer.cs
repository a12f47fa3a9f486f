using System.Numerics;
using Parity.Learning.Data;
using Parity.Learning.Models;

namespace Parity.Learning.Forest;

/// <summary>
/// Fits a <see cref="RandomForest"/> on one machine: features are binned once, trees grow in parallel (one
/// <see cref="TreeGrower{TBin}"/> per thread), and every random draw is keyed by (seed, tree, row or node), so a
/// seed gives the same forest whatever the thread count.
/// </summary>
public sealed class ForestTrainer
{
    public ForestTrainer(ForestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    public ForestOptions Options { get; }

    /// <param name="edges">Bin edges to use instead of computing them from <paramref name="data"/> (federated
    /// training shares one set).</param>
    /// <param name="classes">The class labels, ascending, when they must include labels absent from
    /// <paramref name="data"/>; by default its distinct labels.</param>
    public RandomForest Fit(Dataset data, BinEdges? edges = null, IReadOnlyList<float>? classes = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Rows == 0) throw new ArgumentException("cannot fit a forest on no rows", nameof(data));
        ForestData.CheckFinite(data);
        var classList = classes?.ToArray() ?? ImpliedClasses(data);
        ForestData.CheckClasses(classList);
        var classOf = ForestData.ClassIndices(data, classList);
        var threads = Options.ThreadCount;
        edges ??= BinEdges.Compute(data, Options.MaxBins, threads);
        if (edges.FeatureCount != data.Columns)
            throw new ArgumentException($"bin edges are for {edges.FeatureCount} features, the data has {data.Columns}", nameof(edges));
        var seed = Options.RandomState ?? Random.Shared.NextInt64();
        var settings = ForestSettings.Resolve(Options, data.Rows, data.Columns, classList.Length, seed);
        Options.CheckFits(data.Rows, data.Columns, classList.Length, edges.MaxBinCount);

        return edges.MaxBinCount <= 256
            ? Grow(BinnedData<byte>.Create(data, edges, classOf, threads), data, settings, edges, classList, threads)
            : Grow(BinnedData<ushort>.Create(data, edges, classOf, threads), data, settings, edges, classList, threads);
    }

    private RandomForest Grow<TBin>(
        BinnedData<TBin> binned, Dataset data, ForestSettings settings, BinEdges edges, float[] classes, int threads)
        where TBin : unmanaged, IBinaryInteger<TBin>
    {
        var trees = new DecisionTree[settings.Trees];
        var outOfBag = Options.OobScore ? new ulong[settings.Trees][] : null;
        // One worker per thread, each with its own grower (buffers of a few times the row count), taking the next
        // tree until none is left. Which worker grows a tree does not matter: a tree depends only on its index.
        var workers = Math.Min(threads, settings.Trees);
        var next = -1;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
        {
            var grower = new TreeGrower<TBin>(binned, settings, edges);
            int t;
            while ((t = Interlocked.Increment(ref next)) < settings.Trees)
            {
                var mask = outOfBag is null ? null : outOfBag[t] = new ulong[(binned.Rows + 63) / 64];
                trees[t] = grower.Grow(t, mask);
            }
        });

        var forest = new RandomForest(trees, classes);
        if (outOfBag is null) return forest;
        var tally = OobTally.Of(forest, data, binned.ClassOf, (t, r) => (outOfBag[t][r >> 6] & (1UL << (r & 63))) != 0, threads);
        return new RandomForest(trees, classes, forest.FeatureImportances.ToArray(), tally.Score);
    }

    /// <summary>The most classes a forest takes from its labels alone; more are asked for by passing them.</summary>
    public const int MaxImpliedClasses = 100;

    /// <summary>
    /// The distinct labels as classes. A forest here is a classifier: labels with fractions, or more distinct values than
    /// <see cref="MaxImpliedClasses"/>, are a numeric target (diabetes' progression has 214) that would silently give one
    /// class per value, so they are refused with what to use instead.
    /// </summary>
    public static float[] ImpliedClasses(Dataset data)
    {
        var classes = ForestData.ClassesOf(data);
        const string Instead = "random_forest is a classifier; for a numeric target use linear_regression, or neural_network " +
                               "with model_config.task \"regression\"";
        foreach (var value in classes)
        {
            if (value != MathF.Floor(value))
                throw new ModelConfigException($"label {value} is not a whole number: {Instead}", "labels");
        }
        if (classes.Length > MaxImpliedClasses)
            throw new ModelConfigException(
                $"the labels have {classes.Length} distinct values, more than the {MaxImpliedClasses} classes a forest takes from its labels: {Instead}",
                "labels");
        return classes;
    }
}

/// <summary>Out-of-bag predictions over some rows: how many were counted (out of bag for at least one tree) and how
/// many of those were right. Tallies of disjoint row sets add up.</summary>
public readonly record struct OobTally(long Correct, long Counted)
{
    /// <summary>Accuracy over the counted rows; null when no row was ever out of bag.</summary>
    public double? Score => Counted == 0 ? null : (double)Correct / Counted;

    public static OobTally operator +(OobTally a, OobTally b) => new(a.Correct + b.Correct, a.Counted + b.Counted);

    /// <summary>
    /// Each row is predicted by the mean distribution of the trees it was out of bag for; rows in bag for every
    /// tree are left out (scikit-learn counts them as class 0 after a warning).
    /// </summary>
    internal static OobTally Of(RandomForest forest, Dataset data, int[] classOf, Func<int, int, bool> isOutOfBag, int threads)
    {
        long correct = 0, counted = 0;
        var trees = forest.Trees;
        RandomForest.ForEachRow(data, threads, (row, r) =>
        {
            Span<double> proba = stackalloc double[forest.ClassCount];
            var used = 0;
            for (var t = 0; t < trees.Count; t++)
            {
                if (!isOutOfBag(t, r)) continue;
                trees[t].AccumulateProba(row, proba);
                used++;
            }
            if (used == 0) return;
            Interlocked.Increment(ref counted);
            if (RandomForest.ArgMax(proba) == classOf[r]) Interlocked.Increment(ref correct);
        });
        return new OobTally(correct, counted);
    }
}
