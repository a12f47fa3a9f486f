using Parity.Learning.Models;
using System.Globalization;
using Parity.Learning.Data;

namespace Parity.Learning.Partitioning;

/// <summary>
/// Splits a dataset's rows into <see cref="PartitionConfig.TotalParts"/> parts. The split is a pure function of the
/// labels and the config (the seed included), so every participant computes the same parts and takes its own.
/// Without overlap the parts are disjoint and together hold every row exactly once. Row indices come back in
/// ascending order (trainers shuffle for themselves).
/// </summary>
public static class Partitioner
{
    /// <summary>How many Dirichlet draws non-IID partitioning tries before giving up on min_samples.</summary>
    public const int NonIidDraws = 10;

    // Each purpose draws from its own stream of the seed, so that, say, the overlap of part 3 does not depend on
    // how many numbers the split itself consumed.
    private const long RandomStream = 1;
    private const long StratifiedStream = 2;
    private const long NonIidStream = 3;
    private const long LabelSkewStream = 4;
    private const long OverlapStreamBase = 1L << 32;

    /// <summary>The rows of part <see cref="PartitionConfig.PartIndex"/>.</summary>
    public static int[] Select(ReadOnlySpan<float> labels, PartitionConfig config)
    {
        var parts = DisjointParts(labels, config);
        return WithOverlap(parts, config.PartIndex, labels.Length, config);
    }

    /// <summary>The rows of every part, in part order (<see cref="PartitionConfig.PartIndex"/> is not used).</summary>
    public static int[][] SelectAll(ReadOnlySpan<float> labels, PartitionConfig config)
    {
        var parts = DisjointParts(labels, config);
        var result = new int[parts.Length][];
        for (var k = 0; k < parts.Length; k++) result[k] = WithOverlap(parts, k, labels.Length, config);
        return result;
    }

    /// <summary>This participant's part of <paramref name="dataset"/>, as a dataset of its own.</summary>
    public static Dataset Apply(Dataset dataset, PartitionConfig config) =>
        dataset.Subset(Select(dataset.Labels.Span, config));

    private static int[][] DisjointParts(ReadOnlySpan<float> labels, PartitionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        for (var i = 0; i < labels.Length; i++)
        {
            if (!float.IsFinite(labels[i]))
                throw new ArgumentException($"label of row {i} is {labels[i]}; labels must be finite", nameof(labels));
        }

        var n = labels.Length;
        var parts = config.TotalParts;
        if (n == 0) throw new ModelConfigException("cannot partition a dataset with no rows");
        if ((long)parts * config.MinimumPartSize > n)
        {
            var field = config.MinSamples > 0 ? "min_samples" : "total_parts";
            throw new ModelConfigException(
                $"cannot split {n} rows into {parts} parts of at least {config.MinimumPartSize} rows each " +
                $"(total_parts={parts}, min_samples={config.MinSamples})", field);
        }

        var seed = config.Seed ?? 0; // only Sequential runs without a seed, and it draws nothing
        return config.Strategy switch
        {
            PartitionStrategy.Random => RandomParts(n, parts, seed),
            PartitionStrategy.Sequential => SequentialParts(n, parts),
            PartitionStrategy.Stratified => StratifiedParts(ClassRows.Of(labels), parts, seed),
            PartitionStrategy.NonIid => NonIidParts(ClassRows.Of(labels), config, seed),
            PartitionStrategy.LabelSkew => LabelSkewParts(ClassRows.Of(labels), config, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Strategy, null),
        };
    }

    /// <summary>Where block k of <paramref name="parts"/> near-equal blocks over n items starts; the first n mod parts
    /// blocks are one longer.</summary>
    private static int BlockStart(int k, int n, int parts) => k * (n / parts) + Math.Min(k, n % parts);

    private static int[][] RandomParts(int n, int parts, long seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new SeededRandom(seed, RandomStream).Shuffle(order.AsSpan());
        var result = new int[parts][];
        for (var k = 0; k < parts; k++) result[k] = order[BlockStart(k, n, parts)..BlockStart(k + 1, n, parts)];
        return result;
    }

    private static int[][] SequentialParts(int n, int parts)
    {
        var result = new int[parts][];
        for (var k = 0; k < parts; k++)
        {
            var start = BlockStart(k, n, parts);
            result[k] = Enumerable.Range(start, BlockStart(k + 1, n, parts) - start).ToArray();
        }
        return result;
    }

    /// <summary>
    /// Deals every class's shuffled rows round-robin, carrying on from class to class: each part's count of each
    /// class, and its total size, are within one of every other part's.
    /// </summary>
    private static int[][] StratifiedParts(ClassRows classes, int parts, long seed)
    {
        var random = new SeededRandom(seed, StratifiedStream);
        var result = NewLists(parts);
        var next = random.NextInt(parts);
        foreach (var rows in classes.Rows)
        {
            var shuffled = rows.ToArray();
            random.Shuffle(shuffled.AsSpan());
            foreach (var row in shuffled)
            {
                result[next].Add(row);
                next = (next + 1) % parts;
            }
        }
        return ToArrays(result);
    }

    /// <summary>
    /// For every class, draws proportions p ~ Dirichlet(α, …, α) over the parts and gives part k ≈ p_k of that
    /// class's shuffled rows (largest-remainder rounding, so each row goes to exactly one part). Draws again, up to
    /// <see cref="NonIidDraws"/> times in all, while some part is smaller than the minimum.
    /// </summary>
    private static int[][] NonIidParts(ClassRows classes, PartitionConfig config, long seed)
    {
        var parts = config.TotalParts;
        var alpha = config.Alpha!.Value;
        var random = new SeededRandom(seed, NonIidStream);
        var weights = new double[parts];
        var counts = new int[parts];
        var bestSmallest = -1;

        for (var draw = 0; draw < NonIidDraws; draw++)
        {
            var result = NewLists(parts);
            foreach (var rows in classes.Rows)
            {
                var shuffled = rows.ToArray();
                random.Shuffle(shuffled.AsSpan());
                random.NextDirichlet(alpha, weights);
                Apportion(weights, shuffled.Length, counts);
                var offset = 0;
                for (var k = 0; k < parts; k++)
                {
                    result[k].AddRange(shuffled.AsSpan(offset, counts[k]));
                    offset += counts[k];
                }
            }

            var smallest = result.Min(part => part.Count);
            if (smallest >= config.MinimumPartSize) return ToArrays(result);
            bestSmallest = Math.Max(bestSmallest, smallest);
        }

        throw new ModelConfigException(
            $"non-IID partitioning could not give each of {parts} parts at least {config.MinimumPartSize} rows " +
            $"(min_samples={config.MinSamples}) in {NonIidDraws} Dirichlet draws with alpha={Format(alpha)}: " +
            $"the smallest part had {bestSmallest} rows at best; raise alpha, lower min_samples or use fewer parts",
            "min_samples");
    }

    /// <summary>
    /// Splits <paramref name="total"/> into integer counts proportional to <paramref name="weights"/> that sum to
    /// exactly <paramref name="total"/>: floors first, then one more for the largest remainders (lower index on ties).
    /// </summary>
    private static void Apportion(ReadOnlySpan<double> weights, int total, Span<int> counts)
    {
        var assigned = 0;
        Span<double> remainders = weights.Length <= 256 ? stackalloc double[weights.Length] : new double[weights.Length];
        for (var k = 0; k < weights.Length; k++)
        {
            var exact = weights[k] * total;
            counts[k] = Math.Min(total - assigned, (int)Math.Floor(exact));
            remainders[k] = exact - counts[k];
            assigned += counts[k];
        }
        for (; assigned < total; assigned++)
        {
            var best = 0;
            for (var k = 1; k < weights.Length; k++)
            {
                if (remainders[k] > remainders[best]) best = k;
            }
            counts[best]++;
            remainders[best] = double.NegativeInfinity;
        }
    }

    /// <summary>
    /// Part k holds classes (k·m + j) mod C for j &lt; m, in ascending label order, where m is classes_per_part
    /// (default ⌈C / parts⌉). Every class has at least one holder; a class with several holders has its shuffled
    /// rows split between them in near-equal blocks.
    /// </summary>
    private static int[][] LabelSkewParts(ClassRows classes, PartitionConfig config, long seed)
    {
        var parts = config.TotalParts;
        var classCount = classes.Count;
        var perPart = config.ClassesPerPart ?? (classCount + parts - 1) / parts;
        if (perPart > classCount)
            throw new ModelConfigException(
                $"invalid partition configuration: classes_per_part={perPart} exceeds the {classCount} classes in the labels",
                "classes_per_part");
        if ((long)parts * perPart < classCount)
            throw new ModelConfigException(
                $"invalid partition configuration: label_skew with total_parts={parts} and classes_per_part={perPart} " +
                $"covers only {parts * perPart} of {classCount} classes; every class must go to some part",
                "classes_per_part");

        var holders = new List<int>[classCount];
        for (var c = 0; c < classCount; c++) holders[c] = [];
        for (var k = 0; k < parts; k++)
        {
            for (var j = 0; j < perPart; j++) holders[(int)(((long)k * perPart + j) % classCount)].Add(k);
        }

        var random = new SeededRandom(seed, LabelSkewStream);
        var result = NewLists(parts);
        for (var c = 0; c < classCount; c++)
        {
            var shuffled = classes.Rows[c].ToArray();
            random.Shuffle(shuffled.AsSpan());
            var count = holders[c].Count;
            for (var h = 0; h < count; h++)
            {
                var start = BlockStart(h, shuffled.Length, count);
                result[holders[c][h]].AddRange(shuffled.AsSpan(start, BlockStart(h + 1, shuffled.Length, count) - start));
            }
        }

        for (var k = 0; k < parts; k++)
        {
            if (result[k].Count >= config.MinimumPartSize) continue;
            var held = string.Join(", ", Enumerable.Range(0, perPart)
                .Select(j => Format(classes.Labels[(int)(((long)k * perPart + j) % classCount)])));
            throw new ModelConfigException(
                $"label_skew partitioning gives part {k} (classes {held}) {result[k].Count} rows, fewer than " +
                $"{config.MinimumPartSize} (min_samples={config.MinSamples}); use fewer parts or more classes per part",
                "min_samples");
        }
        return ToArrays(result);
    }

    /// <summary>
    /// Part k's rows plus ⌊overlap_ratio · |part k|⌋ rows drawn without replacement from the other parts, with a
    /// stream of the seed that belongs to part k alone. Sorted ascending.
    /// </summary>
    private static int[] WithOverlap(int[][] parts, int k, int n, PartitionConfig config)
    {
        var own = parts[k];
        var extra = Math.Min(n - own.Length, (int)Math.Floor(config.OverlapRatio * own.Length));
        if (extra <= 0) return Sorted(own);

        var isOwn = new bool[n];
        foreach (var row in own) isOwn[row] = true;
        var others = new int[n - own.Length];
        var count = 0;
        for (var row = 0; row < n; row++)
        {
            if (!isOwn[row]) others[count++] = row;
        }

        var random = new SeededRandom(config.Seed!.Value, OverlapStreamBase + k);
        for (var i = 0; i < extra; i++)
        {
            var j = i + random.NextInt(others.Length - i);
            (others[i], others[j]) = (others[j], others[i]);
        }
        return Sorted([.. own, .. others.AsSpan(0, extra)]);
    }

    private static int[] Sorted(int[] rows)
    {
        var copy = rows.ToArray();
        Array.Sort(copy);
        return copy;
    }

    private static List<int>[] NewLists(int count)
    {
        var lists = new List<int>[count];
        for (var k = 0; k < count; k++) lists[k] = [];
        return lists;
    }

    private static int[][] ToArrays(List<int>[] lists) => Array.ConvertAll(lists, list => list.ToArray());

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The distinct labels in ascending order and, for each, its rows in ascending order.</summary>
    private sealed class ClassRows
    {
        private ClassRows(float[] labels, List<int>[] rows)
        {
            Labels = labels;
            Rows = rows;
        }

        public float[] Labels { get; }
        public List<int>[] Rows { get; }
        public int Count => Labels.Length;

        public static ClassRows Of(ReadOnlySpan<float> labels)
        {
            var byLabel = new Dictionary<float, List<int>>();
            for (var i = 0; i < labels.Length; i++)
            {
                var label = labels[i] == 0 ? 0f : labels[i]; // -0 and +0 are one class
                if (!byLabel.TryGetValue(label, out var rows)) byLabel[label] = rows = [];
                rows.Add(i);
            }
            var keys = byLabel.Keys.ToArray();
            Array.Sort(keys);
            return new ClassRows(keys, Array.ConvertAll(keys, key => byLabel[key]));
        }
    }
}
