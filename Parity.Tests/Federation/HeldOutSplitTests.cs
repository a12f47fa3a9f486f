using Parity.Learning.Partitioning;

namespace Parity.Tests.Federation;

/// <summary>
/// The rows a participant holds out for federated evaluation: sized from the part alone, the same every time for the
/// same seed and part, disjoint from the training rows, and stratified by class for classifiers.
/// </summary>
public sealed class HeldOutSplitTests
{
    [Theory]
    [InlineData(30, 0.1, 3)]   // 0.1 · 30 is 3.0000000000000004 in binary: still 3
    [InlineData(10, 0.25, 3)]  // ⌈2.5⌉
    [InlineData(50, 0.2, 10)]
    [InlineData(7, 0.01, 1)]   // at least one row
    [InlineData(2, 0.5, 1)]
    [InlineData(3, 0.5, 2)]    // ⌈1.5⌉, one left to train on
    public void The_held_out_size_is_the_fraction_rounded_up(int rows, double fraction, int expected) =>
        Assert.Equal(expected, HeldOutSplit.Size(rows, fraction));

    [Theory]
    [InlineData(10, 0.0)]
    [InlineData(10, 0.6)]
    [InlineData(10, -0.1)]
    [InlineData(10, double.NaN)]
    [InlineData(1, 0.5)]
    [InlineData(0, 0.1)]
    public void A_fraction_outside_the_range_or_a_part_of_one_row_is_refused(int rows, double fraction)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => HeldOutSplit.Size(rows, fraction));

        // The fraction is checked first; the message says which bound was broken.
        var fractionValid = fraction is > 0 and <= 0.5;
        Assert.Equal(fractionValid ? "rows" : "fraction", error.ParamName);
        Assert.StartsWith(fractionValid
            ? "a part needs at least 2 rows to hold one out and train on the rest"
            : "the held-out fraction must be in (0, 0.5]", error.Message);
    }

    [Fact]
    public void The_split_is_deterministic_disjoint_and_covers_the_part()
    {
        var labels = Labels(60, 30, 10);
        var (train, heldOut) = HeldOutSplit.Select(labels, 0.2, seed: 42, partIndex: 1, stratified: true);
        var again = HeldOutSplit.Select(labels, 0.2, seed: 42, partIndex: 1, stratified: true);
        Assert.Equal(train, again.Train);
        Assert.Equal(heldOut, again.HeldOut);

        Assert.Equal(20, heldOut.Length);
        Assert.Equal(80, train.Length);
        Assert.Empty(train.Intersect(heldOut));
        Assert.Equal(Enumerable.Range(0, 100), train.Concat(heldOut).Order());
        Assert.Equal(train.Order(), train);
        Assert.Equal(heldOut.Order(), heldOut);
    }

    [Fact]
    public void Each_participant_and_each_seed_draw_their_own_rows()
    {
        var labels = Labels(50, 50);
        var part0 = HeldOutSplit.Select(labels, 0.3, seed: 42, partIndex: 0, stratified: true).HeldOut;
        var part1 = HeldOutSplit.Select(labels, 0.3, seed: 42, partIndex: 1, stratified: true).HeldOut;
        var otherSeed = HeldOutSplit.Select(labels, 0.3, seed: 43, partIndex: 0, stratified: true).HeldOut;
        Assert.NotEqual(part0, part1);
        Assert.NotEqual(part0, otherSeed);
    }

    [Fact]
    public void A_classifiers_held_out_rows_keep_the_class_proportions()
    {
        // 60/30/10 rows of classes 0, 1 and 2, shuffled so that the classes are not in blocks.
        var labels = Labels(60, 30, 10);
        new SeededRandom(7).Shuffle(labels.AsSpan());
        var (_, heldOut) = HeldOutSplit.Select(labels, 0.2, seed: 42, partIndex: 0, stratified: true);
        var counts = heldOut.GroupBy(row => labels[row]).OrderBy(g => g.Key).Select(g => g.Count()).ToArray();
        Assert.Equal([12, 6, 2], counts);
    }

    [Fact]
    public void Class_shares_are_rounded_by_largest_remainder_and_add_up()
    {
        // Exact shares 1.5, 0.9, 0.6: floors 1, 0, 0; the two rows left go to the remainders .9 and .6.
        Assert.Equal([1, 1, 1], HeldOutSplit.Shares([5, 3, 2], 3));
        // Exact shares 2.5 and 2.5: floors 2 and 2; the tie goes to the lower class.
        Assert.Equal([3, 2], HeldOutSplit.Shares([5, 5], 5));
        // A class of one row can lose it only by the remainders' turn, never more than it has.
        Assert.Equal([2, 0], HeldOutSplit.Shares([9, 1], 2));
    }

    [Fact]
    public void A_regression_draws_its_held_out_rows_from_the_whole_part()
    {
        var labels = Enumerable.Range(0, 40).Select(i => i * 0.5f).ToArray();
        var (train, heldOut) = HeldOutSplit.Select(labels, 0.25, seed: 42, partIndex: 2, stratified: false);
        Assert.Equal(10, heldOut.Length);
        Assert.Equal(30, train.Length);
        Assert.Equal(Enumerable.Range(0, 40), train.Concat(heldOut).Order());
        Assert.NotEqual(Enumerable.Range(0, 10), heldOut);
    }

    private static float[] Labels(params int[] counts) =>
        counts.SelectMany((count, label) => Enumerable.Repeat((float)label, count)).ToArray();
}
