using Parity.Learning.Models;
using Parity.Learning.Data;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning;

public sealed class PartitionerTests
{
    private static PartitionConfig Config(PartitionStrategy strategy, int parts, int index = 0) =>
        new() { Strategy = strategy, TotalParts = parts, PartIndex = index, Seed = 7, Alpha = 1 };

    private static float[] Classes(int classes, int rowsPerClass) =>
        Enumerable.Range(0, classes * rowsPerClass).Select(i => (float)(i % classes)).ToArray();

    private static float[] ClassesOf(float[] labels, int[] part) => part.Select(row => labels[row]).Distinct().Order().ToArray();

    [Fact]
    public void Sequential_cuts_blocks_whose_sizes_differ_by_at_most_one_with_the_longer_first()
    {
        var parts = Partitioner.SelectAll(new float[10], Config(PartitionStrategy.Sequential, 3));

        Assert.Equal([[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]], parts);
    }

    [Fact]
    public void Random_keeps_every_leftover_row()
    {
        var parts = Partitioner.SelectAll(new float[10], Config(PartitionStrategy.Random, 3));

        Assert.Equal([4, 3, 3], parts.Select(part => part.Length));
        Assert.Equal(Enumerable.Range(0, 10), parts.SelectMany(part => part).Order());
    }

    [Fact]
    public void Label_skew_gives_part_k_classes_k_m_to_k_m_plus_m_minus_1_wrapping_around()
    {
        // 10 classes over 4 parts: m = ceil(10/4) = 3, so part 3 holds 9, 0 and 1 and shares classes 0 and 1.
        var labels = Classes(10, 20);
        var parts = Partitioner.SelectAll(labels, Config(PartitionStrategy.LabelSkew, 4));

        Assert.Equal([0f, 1f, 2f], ClassesOf(labels, parts[0]));
        Assert.Equal([3f, 4f, 5f], ClassesOf(labels, parts[1]));
        Assert.Equal([6f, 7f, 8f], ClassesOf(labels, parts[2]));
        Assert.Equal([0f, 1f, 9f], ClassesOf(labels, parts[3]));
        Assert.Equal(10, parts[0].Count(row => labels[row] == 0));
        Assert.Equal(10, parts[3].Count(row => labels[row] == 0));
        Assert.Equal(20, parts[0].Count(row => labels[row] == 2));
    }

    [Fact]
    public void Label_skew_with_fewer_classes_than_parts_shares_each_class_between_parts()
    {
        var labels = Classes(2, 30);
        var parts = Partitioner.SelectAll(labels, Config(PartitionStrategy.LabelSkew, 4));

        Assert.Equal([[0f], [1f], [0f], [1f]], parts.Select(part => ClassesOf(labels, part)));
        Assert.All(parts, part => Assert.Equal(15, part.Length));
    }

    [Fact]
    public void Label_skew_honours_classes_per_part()
    {
        var labels = Classes(10, 5);
        var config = Config(PartitionStrategy.LabelSkew, 5) with { ClassesPerPart = 2 };

        var parts = Partitioner.SelectAll(labels, config);

        Assert.Equal([[0f, 1f], [2f, 3f], [4f, 5f], [6f, 7f], [8f, 9f]], parts.Select(part => ClassesOf(labels, part)));
    }

    [Fact]
    public void Label_skew_rejects_a_classes_per_part_that_leaves_classes_out_or_exceeds_them()
    {
        var labels = Classes(5, 4);

        var tooFew = Assert.Throws<ModelConfigException>(() =>
            Partitioner.Select(labels, Config(PartitionStrategy.LabelSkew, 2) with { ClassesPerPart = 2 }));
        var tooMany = Assert.Throws<ModelConfigException>(() =>
            Partitioner.Select(labels, Config(PartitionStrategy.LabelSkew, 2) with { ClassesPerPart = 6 }));

        Assert.Equal("invalid partition configuration: label_skew with total_parts=2 and classes_per_part=2 covers only " +
                     "4 of 5 classes; every class must go to some part", tooFew.Message);
        Assert.Equal("invalid partition configuration: classes_per_part=6 exceeds the 5 classes in the labels", tooMany.Message);
        Assert.Equal("classes_per_part", tooFew.Field);
        Assert.Equal("classes_per_part", tooMany.Field);
    }

    [Fact]
    public void Label_skew_reports_a_part_below_min_samples()
    {
        float[] labels = [.. Enumerable.Repeat(0f, 30), .. Enumerable.Repeat(1f, 3)];

        var error = Assert.Throws<ModelConfigException>(() =>
            Partitioner.Select(labels, Config(PartitionStrategy.LabelSkew, 2) with { MinSamples = 5 }));

        Assert.Equal("label_skew partitioning gives part 1 (classes 1) 3 rows, fewer than 5 (min_samples=5); " +
                     "use fewer parts or more classes per part", error.Message);
        Assert.Equal("min_samples", error.Field);
    }

    [Fact]
    public void Label_skew_names_every_class_of_a_part_below_min_samples()
    {
        // Part 1 holds classes 2 and 3, one row each.
        float[] labels = [.. Enumerable.Repeat(0f, 30), .. Enumerable.Repeat(1f, 30), 2f, 3f];

        var error = Assert.Throws<ModelConfigException>(() =>
            Partitioner.Select(labels, Config(PartitionStrategy.LabelSkew, 2) with { MinSamples = 5 }));

        Assert.Equal("label_skew partitioning gives part 1 (classes 2, 3) 2 rows, fewer than 5 (min_samples=5); " +
                     "use fewer parts or more classes per part", error.Message);
    }

    [Fact]
    public void A_part_of_exactly_min_samples_rows_is_accepted()
    {
        var labels = Classes(2, 5);

        Assert.All(Partitioner.SelectAll(labels, Config(PartitionStrategy.LabelSkew, 2) with { MinSamples = 5 }),
            part => Assert.Equal(5, part.Length));
        // Near-equal Dirichlet weights (α = 10⁹) split one class of 10 rows 5 and 5 on the first draw.
        Assert.All(Partitioner.SelectAll(new float[10], Config(PartitionStrategy.NonIid, 2) with { Alpha = 1e9, MinSamples = 5 }),
            part => Assert.Equal(5, part.Length));
    }

    [Fact]
    public void Label_skew_orders_classes_by_label_not_by_first_appearance()
    {
        float[] labels = [2, 2, 1, 1, 0, 0];

        Assert.Equal([[4, 5], [2, 3], [0, 1]], Partitioner.SelectAll(labels, Config(PartitionStrategy.LabelSkew, 3)));
    }

    [Fact]
    public void Minus_zero_and_zero_are_one_class_named_0()
    {
        float[] labels = [-0f, 0f, -0f, .. Enumerable.Repeat(1f, 30)];

        var error = Assert.Throws<ModelConfigException>(() =>
            Partitioner.Select(labels, Config(PartitionStrategy.LabelSkew, 2) with { MinSamples = 5 }));

        Assert.StartsWith("label_skew partitioning gives part 0 (classes 0) 3 rows", error.Message);
    }

    [Fact]
    public void Non_iid_stops_at_the_tenth_draw()
    {
        // Found by search: with seed 20 the first draw that gives every part 10 rows is the eleventh, so a partitioner
        // that drew once more than it says would accept this config.
        var labels = Enumerable.Range(0, 60).Select(i => (float)(i % 3)).ToArray();
        var config = Config(PartitionStrategy.NonIid, 4) with { Alpha = 0.5, MinSamples = 10, Seed = 20 };

        var error = Assert.Throws<ModelConfigException>(() => Partitioner.Select(labels, config));

        Assert.Contains("in 10 Dirichlet draws", error.Message);
    }

    [Fact]
    public void Non_iid_reports_a_smallest_part_of_zero_rows()
    {
        // With α = 10⁻³ each class goes (almost) whole to one part: two classes leave three of five parts empty.
        var config = Config(PartitionStrategy.NonIid, 5) with { Alpha = 1e-3, MinSamples = 1 };

        var error = Assert.Throws<ModelConfigException>(() => Partitioner.Select(Classes(2, 25), config));

        Assert.Contains("the smallest part had 0 rows at best", error.Message);
    }

    [Fact]
    public void A_missing_config_is_an_argument_error()
    {
        var error = Assert.Throws<ArgumentNullException>(() => Partitioner.Select(new float[4], null!));
        Assert.Equal("config", error.ParamName);
    }

    // Golden splits. Every participant computes the split for itself, so participants running different builds (a
    // rolling upgrade) only agree on who trains on which rows if the split for a seed never changes. A change that
    // breaks these on purpose is a protocol change.
    public static TheoryData<string, PartitionConfig, int[][]> GoldenSplits() => new()
    {
        { "random", Config(PartitionStrategy.Random, 3),
            [[2, 10, 11, 15, 16, 17, 19, 21], [1, 3, 4, 8, 9, 13, 18, 20], [0, 5, 6, 7, 12, 14, 22, 23]] },
        { "stratified", Config(PartitionStrategy.Stratified, 3),
            [[2, 5, 6, 8, 9, 10, 18, 19], [1, 7, 11, 12, 15, 16, 17, 23], [0, 3, 4, 13, 14, 20, 21, 22]] },
        { "non_iid α=0.5", Config(PartitionStrategy.NonIid, 3) with { Alpha = 0.5 },
            [[1, 3, 7, 12], [9, 13, 15, 16, 18, 19, 21], [0, 2, 4, 5, 6, 8, 10, 11, 14, 17, 20, 22, 23]] },
        { "non_iid α=1", Config(PartitionStrategy.NonIid, 3) with { Alpha = 1.0 },
            [[1, 3, 7, 9, 12, 16, 17, 18, 21, 23], [13], [0, 2, 4, 5, 6, 8, 10, 11, 14, 15, 19, 20, 22]] },
        { "non_iid α=3", Config(PartitionStrategy.NonIid, 3) with { Alpha = 3.0 },
            [[3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 18, 19, 20, 21, 23], [1, 2, 6, 14, 15, 22], [0, 16, 17]] },
        { "label_skew", Config(PartitionStrategy.LabelSkew, 2),
            [[1, 4, 6, 7, 10, 12, 13, 15, 16, 19, 21, 22], [0, 2, 3, 5, 8, 9, 11, 14, 17, 18, 20, 23]] },
        { "random with overlap 0.5", Config(PartitionStrategy.Random, 3) with { OverlapRatio = 0.5 },
            [[0, 1, 2, 10, 11, 12, 14, 15, 16, 17, 19, 21], [1, 3, 4, 7, 8, 9, 13, 17, 18, 19, 20, 22], [0, 5, 6, 7, 10, 12, 13, 14, 15, 21, 22, 23]] },
    };

    [Theory]
    [MemberData(nameof(GoldenSplits))]
    public void The_split_for_a_seed_never_changes(string name, PartitionConfig config, int[][] expected)
    {
        var labels = Enumerable.Range(0, 24).Select(i => (float)(i % 3)).ToArray();

        Assert.True(expected.SequenceEqual(Partitioner.SelectAll(labels, config), new PartComparer()), name);
    }

    private sealed class PartComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x!.SequenceEqual(y!);
        public int GetHashCode(int[] obj) => obj.Length;
    }

    [Fact]
    public void Non_iid_gives_up_after_ten_draws_naming_min_samples_alpha_and_the_smallest_part()
    {
        var labels = Classes(2, 25);
        var config = Config(PartitionStrategy.NonIid, 5) with { Alpha = 0.01, MinSamples = 8 };

        var error = Assert.Throws<ModelConfigException>(() => Partitioner.Select(labels, config));

        Assert.Matches(
            @"^non-IID partitioning could not give each of 5 parts at least 8 rows \(min_samples=8\) in 10 Dirichlet " +
            @"draws with alpha=0\.01: the smallest part had \d rows at best; raise alpha, lower min_samples or use fewer parts$",
            error.Message);
        Assert.Equal("min_samples", error.Field);
    }

    [Fact]
    public void Non_iid_redraws_until_min_samples_is_met()
    {
        var labels = Classes(4, 100);
        for (var seed = 0; seed < 50; seed++)
        {
            var config = Config(PartitionStrategy.NonIid, 4) with { Alpha = 0.5, MinSamples = 40, Seed = seed };
            try
            {
                Assert.All(Partitioner.SelectAll(labels, config), part => Assert.True(part.Length >= 40));
            }
            catch (ModelConfigException e)
            {
                Assert.Contains("min_samples=40", e.Message);
            }
        }
    }

    [Theory]
    [InlineData(3, 5, 0, "cannot split 3 rows into 5 parts of at least 1 rows each (total_parts=5, min_samples=0)", "total_parts")]
    [InlineData(20, 3, 7, "cannot split 20 rows into 3 parts of at least 7 rows each (total_parts=3, min_samples=7)", "min_samples")]
    public void Rejects_more_parts_or_min_samples_than_the_rows_allow(int rows, int parts, int minSamples, string message, string field)
    {
        foreach (var strategy in Enum.GetValues<PartitionStrategy>())
        {
            var error = Assert.Throws<ModelConfigException>(() =>
                Partitioner.Select(new float[rows], Config(strategy, parts) with { MinSamples = minSamples }));

            Assert.Equal(message, error.Message);
            Assert.Equal(field, error.Field);
        }
    }

    [Fact]
    public void Rejects_an_empty_label_vector_and_non_finite_labels()
    {
        var empty = Assert.Throws<ModelConfigException>(() => Partitioner.Select([], Config(PartitionStrategy.Random, 1)));
        var nan = Assert.Throws<ArgumentException>(() => Partitioner.Select([0, float.NaN], Config(PartitionStrategy.Random, 1)));

        Assert.Equal("cannot partition a dataset with no rows", empty.Message);
        Assert.StartsWith("label of row 1 is NaN", nan.Message);
    }

    [Fact]
    public void Validates_the_config_before_splitting()
    {
        var error = Assert.Throws<ModelConfigException>(() =>
            Partitioner.Select([0, 1], Config(PartitionStrategy.NonIid, 2) with { Alpha = 0 }));

        Assert.Equal("alpha parameter must be positive for non-IID partitioning, got 0.000000", error.Message);
    }

    [Fact]
    public void Apply_returns_the_part_as_a_dataset()
    {
        var data = new Dataset(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 6, 2, [0, 0, 0, 1, 1, 1]);

        var part = Partitioner.Apply(data, Config(PartitionStrategy.Sequential, 3, index: 1));

        Assert.Equal(2, part.Rows);
        Assert.Equal([4f, 5f, 6f, 7f], part.Features.ToArray());
        Assert.Equal([0f, 1f], part.Labels.ToArray());
    }
}
