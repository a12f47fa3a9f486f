using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning;

/// <summary>
/// Properties every split must have, checked over many seeded random label vectors, strategies and part counts.
/// </summary>
public sealed class PartitionerPropertyTests
{
    private const int Seeds = 200;
    private static readonly int[] PartCounts = [1, 2, 3, 5, 8];

    private static readonly PartitionStrategy[] Strategies =
    [
        PartitionStrategy.Random, PartitionStrategy.Stratified, PartitionStrategy.Sequential,
        PartitionStrategy.NonIid, PartitionStrategy.LabelSkew,
    ];

    /// <summary>One random case: a label vector (1–12 classes of uneven sizes, each with at least 8·parts rows so that
    /// every strategy can fill every part) and a config for it.</summary>
    private sealed record Case(float[] Labels, PartitionConfig Config);

    private static IEnumerable<Case> Cases(double overlap = 0)
    {
        foreach (var strategy in Strategies)
        {
            for (var seed = 0; seed < Seeds; seed++)
            {
                var random = new Random(seed * 31 + (int)strategy);
                var parts = PartCounts[random.Next(PartCounts.Length)];
                var classes = 1 + random.Next(12);
                var labels = new List<float>();
                for (var c = 0; c < classes; c++)
                {
                    var label = random.Next(2) == 0 ? c : c * 10.5f - 7; // class ids or arbitrary label values
                    labels.AddRange(Enumerable.Repeat(label, parts * 8 + random.Next(60)));
                }
                var shuffled = labels.OrderBy(_ => random.Next()).ToArray();
                var config = new PartitionConfig
                {
                    Strategy = strategy,
                    TotalParts = parts,
                    PartIndex = random.Next(parts),
                    Seed = random.NextInt64(long.MinValue, long.MaxValue),
                    Alpha = strategy == PartitionStrategy.NonIid ? new[] { 1.0, 2.0, 10.0 }[random.Next(3)] : null,
                    MinSamples = strategy is PartitionStrategy.NonIid or PartitionStrategy.LabelSkew
                        ? 0
                        : random.Next(shuffled.Length / parts + 1),
                    OverlapRatio = overlap,
                };
                yield return new Case(shuffled, config);
            }
        }
    }

    private static Dictionary<float, int> CountByClass(float[] labels, IEnumerable<int> rows) =>
        rows.GroupBy(row => labels[row]).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void Without_overlap_parts_are_disjoint_and_cover_every_row_once()
    {
        foreach (var (labels, config) in Cases())
        {
            var parts = Partitioner.SelectAll(labels, config);

            Assert.Equal(config.TotalParts, parts.Length);
            var seen = new int[labels.Length];
            foreach (var part in parts)
            {
                Assert.True(part.Length >= config.MinimumPartSize, $"{config}: a part has {part.Length} rows");
                Assert.Equal(part.Order(), part); // ascending, which also rules out duplicates below
                foreach (var row in part) seen[row]++;
            }
            Assert.All(seen, count => Assert.Equal(1, count));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_parts_and_a_part_alone_equals_that_part_of_all()
    {
        foreach (var (labels, config) in Cases().Where((_, i) => i % 4 == 0))
        {
            var all = Partitioner.SelectAll(labels, config);
            var again = Partitioner.SelectAll(labels.ToArray(), config with { });

            Assert.Equal(all, again);
            for (var k = 0; k < config.TotalParts; k++)
                Assert.Equal(all[k], Partitioner.Select(labels, config with { PartIndex = k }));
        }
    }

    [Fact]
    public void Different_seeds_give_different_splits()
    {
        foreach (var strategy in new[] { PartitionStrategy.Random, PartitionStrategy.Stratified, PartitionStrategy.NonIid })
        {
            var labels = Enumerable.Range(0, 300).Select(i => (float)(i % 3)).ToArray();
            var distinct = Enumerable.Range(0, 50)
                .Select(seed => new PartitionConfig
                {
                    Strategy = strategy, TotalParts = 3, PartIndex = 0, Seed = seed, Alpha = 1,
                })
                .Select(config => string.Join(',', Partitioner.Select(labels, config)))
                .Distinct()
                .Count();

            Assert.Equal(50, distinct);
        }
    }

    [Fact]
    public void Random_sequential_and_stratified_parts_differ_in_size_by_at_most_one()
    {
        foreach (var (labels, config) in Cases().Where(c => c.Config.Strategy is
                     PartitionStrategy.Random or PartitionStrategy.Sequential or PartitionStrategy.Stratified))
        {
            var sizes = Partitioner.SelectAll(labels, config).Select(part => part.Length).ToArray();

            Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
        }
    }

    [Fact]
    public void Sequential_parts_are_contiguous_blocks_in_row_order()
    {
        foreach (var (labels, config) in Cases().Where(c => c.Config.Strategy == PartitionStrategy.Sequential))
        {
            var parts = Partitioner.SelectAll(labels, config);

            Assert.Equal(Enumerable.Range(0, labels.Length), parts.SelectMany(part => part));
        }
    }

    [Fact]
    public void Stratified_parts_hold_each_class_within_one_of_each_other()
    {
        foreach (var (labels, config) in Cases().Where(c => c.Config.Strategy == PartitionStrategy.Stratified))
        {
            var parts = Partitioner.SelectAll(labels, config);
            foreach (var label in labels.Distinct())
            {
                var counts = parts.Select(part => part.Count(row => labels[row] == label)).ToArray();
                Assert.InRange(counts.Max() - counts.Min(), 0, 1);
            }
        }
    }

    [Fact]
    public void Label_skew_gives_each_part_at_most_its_share_of_classes_and_every_class_a_part()
    {
        foreach (var (labels, config) in Cases().Where(c => c.Config.Strategy == PartitionStrategy.LabelSkew))
        {
            var classes = labels.Distinct().Count();
            var perPart = (classes + config.TotalParts - 1) / config.TotalParts;
            var parts = Partitioner.SelectAll(labels, config);

            Assert.All(parts, part => Assert.InRange(part.Select(row => labels[row]).Distinct().Count(), 1, perPart));
            Assert.Equal(classes, parts.SelectMany(part => part.Select(row => labels[row])).Distinct().Count());
        }
    }

    [Fact]
    public void With_overlap_each_part_adds_a_share_of_other_rows_and_every_row_is_still_covered()
    {
        foreach (var (labels, config) in Cases(overlap: 0.3).Where((_, i) => i % 2 == 0))
        {
            var disjoint = Partitioner.SelectAll(labels, config with { OverlapRatio = 0 });
            var overlapping = Partitioner.SelectAll(labels, config);

            for (var k = 0; k < config.TotalParts; k++)
            {
                var own = disjoint[k];
                var extra = Math.Min(labels.Length - own.Length, (int)Math.Floor(0.3 * own.Length));
                Assert.Equal(own.Length + extra, overlapping[k].Length);
                Assert.Equal(overlapping[k].Order(), overlapping[k]);
                Assert.Equal(overlapping[k].Length, overlapping[k].Distinct().Count());
                Assert.Subset(overlapping[k].ToHashSet(), own.ToHashSet());
                Assert.Equal(overlapping[k], Partitioner.Select(labels, config with { PartIndex = k }));
            }
            Assert.Equal(labels.Length, overlapping.SelectMany(part => part).Distinct().Count());
            if (config.TotalParts > 1)
                Assert.True(overlapping.Sum(part => part.Length) > labels.Length, "overlap should share rows");
        }
    }

    [Fact]
    public void A_smaller_alpha_skews_class_distributions_more()
    {
        var distance01 = MeanSkew(0.1);
        var distance1 = MeanSkew(1);
        var distance10 = MeanSkew(10);

        Assert.True(distance01 > distance1 && distance1 > distance10,
            $"mean total-variation distance: alpha 0.1 → {distance01}, 1 → {distance1}, 10 → {distance10}");
        Assert.True(distance01 > 3 * distance10, $"alpha 0.1 → {distance01}, alpha 10 → {distance10}");
    }

    /// <summary>
    /// Over 40 seeds, the mean total-variation distance between each part's class distribution and the global one
    /// (2000 rows, 10 equal classes, 4 parts).
    /// </summary>
    private static double MeanSkew(double alpha)
    {
        var labels = Enumerable.Range(0, 2000).Select(i => (float)(i % 10)).ToArray();
        var total = 0.0;
        var count = 0;
        for (var seed = 0; seed < 40; seed++)
        {
            var config = new PartitionConfig
            {
                Strategy = PartitionStrategy.NonIid, TotalParts = 4, PartIndex = 0, Alpha = alpha, Seed = seed,
            };
            foreach (var part in Partitioner.SelectAll(labels, config))
            {
                var counts = CountByClass(labels, part);
                total += 0.5 * Enumerable.Range(0, 10).Sum(c => Math.Abs(counts.GetValueOrDefault(c) / (double)part.Length - 0.1));
                count++;
            }
        }
        return total / count;
    }
}
