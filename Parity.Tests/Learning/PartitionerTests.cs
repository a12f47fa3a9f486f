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
