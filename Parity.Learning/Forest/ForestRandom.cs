using System.Runtime.CompilerServices;
using Parity.Learning.Partitioning;

namespace Parity.Learning.Forest;

/// <summary>
/// Every random number a forest uses comes from a stream keyed by what it is for: (seed, tree, global row) for the
/// bootstrap, (seed, tree, node key) for a node's feature draw. Nothing depends on thread scheduling or on which
/// participant holds a row, so a centralized fit and a federated one make the same draws.
/// </summary>
internal static class ForestRandom
{
    private const ulong BootstrapPurpose = 0x426F6F7473747261UL;
    private const ulong FeaturePurpose = 0x4665617475726573UL;

    /// <summary>The root's key; <see cref="ChildKey"/> derives the rest from the path, so a node's key does not
    /// depend on the order nodes are grown in.</summary>
    public const ulong RootKey = 1;

    public static ulong ChildKey(ulong parentKey, bool right) => Mix(parentKey * 2 + (right ? 1UL : 0UL));

    /// <summary>The generator for a node's feature draw.</summary>
    public static SeededRandom ForNode(long seed, int tree, ulong nodeKey) =>
        new(seed, (long)Mix(Mix(FeaturePurpose ^ (ulong)tree) ^ nodeKey));

    /// <summary>
    /// Fills <paramref name="weights"/> with each row's weight in tree <paramref name="tree"/>: its bootstrap count,
    /// or 1 without bootstrap. A count is Poisson(rate): rate 1 resembles scikit-learn's n draws with replacement
    /// (≈63.2% of rows in bag) but, unlike a multinomial, needs no knowledge of the other rows.
    /// </summary>
    /// <remarks>
    /// Row r's uniform draw is number r mod 64 of the stream for (seed, tree, r / 64): one generator serves 64
    /// consecutive rows, and a participant holding any subset of rows can still draw exactly their numbers.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RowWeights(ForestSettings settings, int tree, ReadOnlySpan<int> globalRows, Span<int> weights)
    {
        if (settings.BootstrapRate == 0)
        {
            weights[..globalRows.Length].Fill(1);
            return;
        }
        var cdf = settings.PoissonCdf;
        SeededRandom? random = null;
        var block = -1;
        var position = 0;
        for (var i = 0; i < globalRows.Length; i++)
        {
            var row = globalRows[i];
            var offset = row & (BlockRows - 1);
            if (row >> BlockShift != block || offset < position)
            {
                block = row >> BlockShift;
                random = new SeededRandom(settings.Seed, (long)Mix(Mix(BootstrapPurpose ^ (ulong)tree) ^ (ulong)block));
                position = 0;
            }
            var u = 0.0;
            while (position <= offset)
            {
                u = random!.NextDouble();
                position++;
            }
            var k = 0;
            while (k < cdf.Length - 1 && u >= cdf[k]) k++;
            weights[i] = k;
        }
    }

    /// <summary>P(X ≤ k) for X ~ Poisson(<paramref name="rate"/>), for k until it is 1 in double precision.</summary>
    public static double[] PoissonCdf(double rate)
    {
        var cdf = new List<double>();
        var term = Math.Exp(-rate);
        var cumulative = term;
        for (var k = 0; cumulative < 1 && k < 1000; k++)
        {
            cdf.Add(cumulative);
            term *= rate / (k + 1);
            cumulative += term;
        }
        cdf.Add(1.0);
        return cdf.ToArray();
    }

    private const int BlockShift = 6;
    private const int BlockRows = 1 << BlockShift;

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>The options resolved against the data: plain numbers the growers use.</summary>
internal sealed record ForestSettings
{
    public required int Trees { get; init; }
    public required int MaxDepth { get; init; }
    public required int MinSamplesSplit { get; init; }
    public required int MinSamplesLeaf { get; init; }
    public required int MaxFeatures { get; init; }
    public required SplitCriterion Criterion { get; init; }
    /// <summary>Poisson rate of the bootstrap counts; 0 without bootstrap.</summary>
    public required double BootstrapRate { get; init; }
    /// <summary><see cref="ForestRandom.PoissonCdf"/> of <see cref="BootstrapRate"/>.</summary>
    public double[] PoissonCdf { get; private init; } = [];
    public required double MinImpurityDecrease { get; init; }
    public required long Seed { get; init; }
    public required int Features { get; init; }
    public required int Classes { get; init; }

    /// <param name="rows">All training rows (across participants in federated training).</param>
    public static ForestSettings Resolve(ForestOptions options, int rows, int features, int classes, long seed)
    {
        options.ValidateFor(rows, features);
        var minLeaf = options.MinSamplesLeaf.Resolve(rows);
        var rate = 0.0;
        if (options.Bootstrap)
        {
            // scikit-learn: a fractional max_samples is rounded, and at least one row.
            var size = options.MaxSamples is { } m
                ? m.Count ?? Math.Max(1, (int)Math.Round(m.Fraction!.Value * rows))
                : rows;
            rate = (double)size / rows;
        }
        return new ForestSettings
        {
            Trees = options.Trees,
            MaxDepth = options.MaxDepth ?? int.MaxValue,
            MinSamplesSplit = Math.Max(options.MinSamplesSplit.Resolve(rows), 2 * minLeaf),
            MinSamplesLeaf = minLeaf,
            MaxFeatures = options.MaxFeatures.Resolve(features),
            Criterion = options.Criterion,
            BootstrapRate = rate,
            PoissonCdf = rate > 0 ? ForestRandom.PoissonCdf(rate) : [],
            MinImpurityDecrease = options.MinImpurityDecrease,
            Seed = seed,
            Features = features,
            Classes = classes,
        };
    }
}
