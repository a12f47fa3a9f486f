using System.Runtime.InteropServices;
using Parity.Learning.Data;

namespace Parity.Tests.Learning;

public sealed class DatasetTests
{
    private static Dataset Sample() => new(
        features: [0, 1, 10, 11, 20, 21, 30, 31],
        rows: 4,
        columns: 2,
        labels: [0, 1, 0, 2],
        featureNames: ["a", "b"],
        labelName: "kind",
        classNames: ["x", "y", "z"]);

    [Fact]
    public void Rows_are_views_into_one_row_major_buffer()
    {
        var data = Sample();

        Assert.Equal([20f, 21f], data.Row(2).ToArray());
        Assert.Equal(2f, data.Label(3));
        Assert.Equal(8, data.Features.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Row(4).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Row(-1).ToArray());
    }

    [Fact]
    public void Subset_copies_the_chosen_rows_in_order_into_a_new_contiguous_buffer()
    {
        var data = Sample();

        var subset = data.Subset([3, 0, 3]);

        Assert.Equal(3, subset.Rows);
        Assert.Equal(2, subset.Columns);
        Assert.True(MemoryMarshal.TryGetArray(subset.Features, out var segment));
        Assert.Equal(6, segment.Array!.Length);
        Assert.Equal([30f, 31f, 0f, 1f, 30f, 31f], subset.Features.ToArray());
        Assert.Equal([2f, 0f, 2f], subset.Labels.ToArray());
        Assert.Equal(data.ClassNames, subset.ClassNames);
        Assert.Equal(data.FeatureNames, subset.FeatureNames);
        Assert.Equal("kind", subset.LabelName);
    }

    [Fact]
    public void Subset_rejects_rows_outside_the_dataset()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample().Subset([0, 4]));
    }

    [Fact]
    public void Constructor_checks_the_shapes()
    {
        Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3], 2, 2, [0, 0]));
        Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3, 4], 2, 2, [0]));
        Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3, 4], 2, 2, [0, 0], featureNames: ["a"]));
    }
}
