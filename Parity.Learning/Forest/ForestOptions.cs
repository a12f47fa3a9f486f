using Parity.Learning.Models;
using System.Globalization;

namespace Parity.Learning.Forest;

public enum SplitCriterion
{
    Gini,
    /// <summary>Shannon entropy in bits (scikit-learn's "entropy" and "log_loss").</summary>
    Entropy,
}

/// <summary>
/// An option that is either an absolute row count or a fraction of the training rows, as in scikit-learn where an
/// int and a float mean different things (<c>min_samples_leaf=1</c> vs <c>min_samples_leaf=0.1</c>). The implicit
/// conversions keep that: <c>MinSamplesLeaf = 5</c> is a count, <c>MinSamplesLeaf = 0.05</c> a fraction.
/// </summary>
public readonly record struct CountOrFraction
{
    private CountOrFraction(int? count, double? fraction)
    {
        Count = count;
        Fraction = fraction;
    }

    public int? Count { get; }

    public double? Fraction { get; }

    public static CountOrFraction OfCount(int count) => new(count, null);

    public static CountOrFraction OfFraction(double fraction) => new(null, fraction);

    public static implicit operator CountOrFraction(int count) => OfCount(count);

    public static implicit operator CountOrFraction(double fraction) => OfFraction(fraction);

    /// <summary>The count this stands for among <paramref name="rows"/> rows: a fraction is rounded up.</summary>
    public int Resolve(int rows) => Count ?? (int)Math.Ceiling(Fraction!.Value * rows);

    public override string ToString() =>
        Count?.ToString(CultureInfo.InvariantCulture) ?? Fraction!.Value.ToString("R", CultureInfo.InvariantCulture);
}

public enum MaxFeaturesKind
{
    Sqrt,
    Log2,
    /// <summary>Every feature (scikit-learn's <c>None</c>).</summary>
    All,
    Count,
    Fraction,
}

/// <summary>How many features each node draws as split candidates (scikit-learn's <c>max_features</c>).</summary>
public readonly record struct MaxFeatures
{
    private MaxFeatures(MaxFeaturesKind kind, double value)
    {
        Kind = kind;
        Value = value;
    }

    public MaxFeaturesKind Kind { get; }

    /// <summary>The count or the fraction, for those kinds; 0 otherwise.</summary>
    public double Value { get; }

    public static MaxFeatures Sqrt { get; } = new(MaxFeaturesKind.Sqrt, 0);

    public static MaxFeatures Log2 { get; } = new(MaxFeaturesKind.Log2, 0);

    public static MaxFeatures All { get; } = new(MaxFeaturesKind.All, 0);

    public static MaxFeatures OfCount(int count) => new(MaxFeaturesKind.Count, count);

    public static MaxFeatures OfFraction(double fraction) => new(MaxFeaturesKind.Fraction, fraction);

    public static implicit operator MaxFeatures(int count) => OfCount(count);

    public static implicit operator MaxFeatures(double fraction) => OfFraction(fraction);

    /// <summary>"sqrt", "auto" (= sqrt, as for classifiers), "log2", "all"/"none", an integer or a fraction.</summary>
    public static MaxFeatures Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "sqrt" or "auto" => Sqrt,
        "log2" => Log2,
        null or "" or "all" or "none" or "null" => All,
        var s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) => OfCount(count),
        var s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) =>
            OfFraction(fraction),
        _ => throw new ModelConfigException(
            $"max_features must be sqrt, log2, all, an integer or a fraction (got {text})", "max_features"),
    };

    /// <summary>The number of features drawn per node out of <paramref name="features"/>.</summary>
    public int Resolve(int features) => Kind switch
    {
        MaxFeaturesKind.Sqrt => Math.Max(1, (int)Math.Sqrt(features)),
        MaxFeaturesKind.Log2 => Math.Max(1, (int)Math.Log2(features)),
        MaxFeaturesKind.All => features,
        MaxFeaturesKind.Count => (int)Value,
        _ => Math.Max(1, (int)(Value * features)),
    };

    public override string ToString() => Kind switch
    {
        MaxFeaturesKind.Count or MaxFeaturesKind.Fraction => Value.ToString("R", CultureInfo.InvariantCulture),
        _ => Kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// Options of a random forest classifier, with scikit-learn's meanings and defaults
/// (<c>RandomForestClassifier</c>). Names in messages are scikit-learn's.
/// </summary>
public sealed record ForestOptions
{
    public const int MaxBinsLimit = 65536;

    /// <summary>Most trees: scikit-learn's default is 100 and gains flatten out long before this; 2^31−1 trees is a
    /// typo, and every tree is kept in memory and sent in the update.</summary>
    public const int MaxTrees = 10_000;

    /// <summary>n_estimators: the number of trees.</summary>
    public int Trees { get; init; } = 100;

    /// <summary>max_depth: null grows until leaves are pure or too small to split.</summary>
    public int? MaxDepth { get; init; }

    /// <summary>min_samples_split: the fewest (distinct) rows a node needs to be split; a count ≥ 2 or a fraction in
    /// (0, 1] of the training rows.</summary>
    public CountOrFraction MinSamplesSplit { get; init; } = 2;

    /// <summary>min_samples_leaf: the fewest (distinct) rows each child of a split must keep; a count ≥ 1 or a
    /// fraction in (0, 1) of the training rows.</summary>
    public CountOrFraction MinSamplesLeaf { get; init; } = 1;

    /// <summary>max_features: candidates drawn per node.</summary>
    public MaxFeatures MaxFeatures { get; init; } = MaxFeatures.Sqrt;

    public SplitCriterion Criterion { get; init; } = SplitCriterion.Gini;

    /// <summary>bootstrap: each tree trains on a resample of the rows instead of all of them.</summary>
    public bool Bootstrap { get; init; } = true;

    /// <summary>max_samples (the upstream's <c>subsample</c>): the expected resample size per tree, a count or a
    /// fraction in (0, 1]; null means as many as there are rows. Needs <see cref="Bootstrap"/>.</summary>
    public CountOrFraction? MaxSamples { get; init; }

    /// <summary>min_impurity_decrease: a split must decrease the weighted impurity by at least this,
    /// N_t/N · (impurity − N_tR/N_t · right impurity − N_tL/N_t · left impurity).</summary>
    public double MinImpurityDecrease { get; init; }

    /// <summary>random_state: the seed. Null draws a fresh one per fit, so fits differ.</summary>
    public long? RandomState { get; init; }

    /// <summary>oob_score: score each row with the trees that did not train on it. Needs <see cref="Bootstrap"/>.</summary>
    public bool OobScore { get; init; }

    /// <summary>Most bins per feature. Features with at most this many distinct values get one bin per value.</summary>
    public int MaxBins { get; init; } = 256;

    /// <summary>n_jobs: trees grown at once; null uses every core.</summary>
    public int? Threads { get; init; }

    /// <summary>Bytes fitting may use; null takes what the process has (<see cref="MemoryBudget.Available"/>).</summary>
    public long? AvailableMemoryBytes { get; init; }

    /// <summary>Throws a <see cref="ModelConfigException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Trees < 1) Fail("n_estimators", $"n_estimators must be at least 1 (got {Trees})");
        if (Trees > MaxTrees) Fail("n_estimators", $"n_estimators (num_trees) must be at most {MaxTrees} (got {Trees})");
        if (MaxDepth is < 1) Fail("max_depth", $"max_depth must be at least 1, or null for unlimited (got {MaxDepth})");

        if (MinSamplesSplit.Count is { } split ? split < 2 : !(MinSamplesSplit.Fraction is > 0 and <= 1))
            Fail("min_samples_split",
                $"min_samples_split must be a count of at least 2 or a fraction in (0, 1] (got {MinSamplesSplit})");
        if (MinSamplesLeaf.Count is { } leaf ? leaf < 1 : !(MinSamplesLeaf.Fraction is > 0 and < 1))
            Fail("min_samples_leaf",
                $"min_samples_leaf must be a count of at least 1 or a fraction in (0, 1) (got {MinSamplesLeaf})");

        switch (MaxFeatures.Kind)
        {
            case MaxFeaturesKind.Count when MaxFeatures.Value < 1:
                Fail("max_features", $"max_features must be at least 1 when it is a count (got {MaxFeatures})");
                break;
            case MaxFeaturesKind.Fraction when !(MaxFeatures.Value is > 0 and <= 1):
                Fail("max_features", $"max_features must be in (0, 1] when it is a fraction (got {MaxFeatures})");
                break;
            case < MaxFeaturesKind.Sqrt or > MaxFeaturesKind.Fraction:
                Fail("max_features", $"max_features has an unknown kind {(int)MaxFeatures.Kind}");
                break;
        }

        if (!Enum.IsDefined(Criterion)) Fail("criterion", $"criterion must be gini or entropy (got {(int)Criterion})");

        if (MaxSamples is { } samples)
        {
            if (!Bootstrap)
                Fail("max_samples", "max_samples can only be set when bootstrap is true");
            if (samples.Count is { } count ? count < 1 : !(samples.Fraction is > 0 and <= 1))
                Fail("max_samples", $"max_samples must be a count of at least 1 or a fraction in (0, 1] (got {samples})");
        }

        if (!(MinImpurityDecrease >= 0) || double.IsInfinity(MinImpurityDecrease))
            Fail("min_impurity_decrease",
                $"min_impurity_decrease must be a finite number ≥ 0 (got {MinImpurityDecrease.ToString(CultureInfo.InvariantCulture)})");
        if (OobScore && !Bootstrap) Fail("oob_score", "oob_score needs bootstrap: without it no row is out of bag");
        if (MaxBins is < 2 or > MaxBinsLimit)
            Fail("max_bins", $"max_bins must be in [2, {MaxBinsLimit}] (got {MaxBins})");
        if (Threads is < 1) Fail("n_jobs", $"n_jobs must be at least 1, or null for every core (got {Threads})");
        if (AvailableMemoryBytes is < 0)
            Fail("available_memory", $"available memory must be zero or positive (got {AvailableMemoryBytes})");
    }

    /// <summary>
    /// The most nodes one tree can have on <paramref name="rows"/> rows: a leaf holds at least min_samples_leaf
    /// distinct rows and a tree of depth d at most 2^d leaves; a binary tree of L leaves has 2L − 1 nodes.
    /// </summary>
    public long MaxNodesPerTree(int rows)
    {
        var minLeaf = Math.Max(1, MinSamplesLeaf.Resolve(rows));
        long leaves = Math.Max(1, rows / minLeaf);
        if (MaxDepth is { } depth && depth < 62) leaves = Math.Min(leaves, 1L << depth);
        return 2 * leaves - 1;
    }

    /// <summary>
    /// An upper bound on the bytes fitting holds at its peak on <paramref name="rows"/> × <paramref name="features"/>
    /// data with <paramref name="classes"/> classes and at most <paramref name="binsPerFeature"/> bins a feature:
    /// every tree at its largest (<see cref="MaxNodesPerTree"/>; per node its split, impurity, weight and class
    /// distribution), each worker's row buffers, node lists (grown by doubling) and two node histograms, the binned
    /// features, and the out-of-bag masks.
    /// </summary>
    public long EstimateMemoryBytes(int rows, int features, int classes, int binsPerFeature)
    {
        var nodeBytes = 32L + 4L * classes;
        var nodes = MaxNodesPerTree(rows);
        var workers = (long)Math.Min(ThreadCount, Trees);
        var histogram = 4L * features * binsPerFeature * (classes + 1);
        var perWorker = 7 * 4L * rows + 2 * histogram + nodes * (2 * nodeBytes + 12);
        var binned = (long)rows * features * (binsPerFeature <= 256 ? 1 : 2);
        var outOfBag = OobScore ? Trees * 8L * ((rows + 63) / 64) : 0;
        return Trees * nodes * nodeBytes + workers * perWorker + binned + outOfBag;
    }

    /// <summary>Refuses, before the trees are grown, a forest that may not fit in the memory the process has.</summary>
    internal void CheckFits(int rows, int features, int classes, int binsPerFeature)
    {
        var needed = EstimateMemoryBytes(rows, features, classes, binsPerFeature);
        MemoryBudget.Check(needed, AvailableMemoryBytes, "n_estimators",
            $"a forest of {Trees} trees of up to {MaxNodesPerTree(rows)} nodes each (on {rows} rows, max_depth " +
            $"{MaxDepth?.ToString(CultureInfo.InvariantCulture) ?? "unlimited"}, min_samples_leaf {MinSamplesLeaf})",
            "num_trees (n_estimators), or bound the trees with max_depth or min_samples_leaf");
    }

    /// <summary>Checks the options that depend on the data: counts that cannot exceed the rows or features.</summary>
    internal void ValidateFor(int rows, int features)
    {
        Validate();
        if (MaxFeatures.Kind == MaxFeaturesKind.Count && MaxFeatures.Value > features)
            Fail("max_features", $"max_features must be at most the number of features, {features} (got {MaxFeatures})");
        if (MaxSamples?.Count is { } count && count > rows)
            Fail("max_samples", $"max_samples must be at most the number of rows, {rows} (got {count})");
    }

    internal int ThreadCount => Threads ?? Environment.ProcessorCount;

    private static void Fail(string option, string message) => throw new ModelConfigException(message, option);
}
