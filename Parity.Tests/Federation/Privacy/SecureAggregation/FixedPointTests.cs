using Parity.Federation.Privacy.SecureAggregation;

namespace Parity.Tests.Federation.Privacy.SecureAggregation;

public sealed class FixedPointTests
{
    [Theory]
    [InlineData(1.0, 3)]
    [InlineData(1.0, 10)]
    [InlineData(4.0, 100)]
    public void A_wrapped_ring_sum_decodes_to_the_float_sum_within_the_stated_bound(double clip, int n)
    {
        var encoding = FixedPoint.Finest(clip, n);
        var random = new Random(7);
        const int length = 5_000;
        var updates = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * clip)).ToArray()).ToList();
        var sum = new uint[length];
        foreach (var words in updates.Select(u => encoding.Encode(u)))
            for (var i = 0; i < length; i++) sum[i] = unchecked(sum[i] + words[i]);
        var decoded = encoding.DecodeSum(sum, n);
        var bound = encoding.ErrorBound(n);
        Assert.Equal(n / Math.ScaleB(1, encoding.FractionalBits + 1), bound);
        var worst = Enumerable.Range(0, length).Max(i => Math.Abs(decoded[i] - updates.Sum(u => (double)u[i])));
        Assert.True(worst <= bound, $"worst error {worst:E3} exceeds the bound {bound:E3}");
        // The bound is not vacuous: errors of the order of the resolution do occur.
        Assert.True(worst > bound / 100, $"worst error {worst:E3} is far below the bound {bound:E3}; is the scale what it says?");
    }

    [Fact]
    public void Every_summand_at_either_end_of_the_clip_range_still_decodes_without_wrapping()
    {
        var encoding = FixedPoint.Finest(2.5, 7);
        foreach (var edge in new[] { 2.5f, -2.5f })
        {
            var sum = new uint[1];
            for (var k = 0; k < 7; k++) sum[0] = unchecked(sum[0] + encoding.Encode([edge])[0]);
            Assert.Equal(7 * (double)edge, encoding.DecodeSum(sum, 7)[0], 1e-6);
        }
    }

    [Fact]
    public void The_finest_encoding_is_the_largest_scale_whose_sum_fits_the_ring()
    {
        var encoding = FixedPoint.Finest(1, 10);
        // 10·2^27 < 2^31 − 1 < 10·2^28.
        Assert.Equal(27, encoding.FractionalBits);
        Assert.Equal(Math.ScaleB(1, 27), encoding.Scale);
        var error = Assert.Throws<ArgumentException>(() => new FixedPoint(1, 28, 10));
        Assert.Contains("overflows the 32-bit ring", error.Message);
        Assert.Contains("at most 27", error.Message);
    }

    [Theory]
    [InlineData(1.5f)]
    [InlineData(-1.0001f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_value_outside_the_clip_range_is_rejected_naming_its_coordinate(float bad)
    {
        var encoding = new FixedPoint(1, 20, 3);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => encoding.Encode([0.5f, -1f, 1f, bad, 0f]));
        Assert.Contains("update[3]", error.Message);
        Assert.Contains("outside the clip range", error.Message);
    }

    [Fact]
    public void Bad_encoding_parameters_are_rejected_naming_the_field()
    {
        Assert.Contains("clipRange", Assert.Throws<ArgumentOutOfRangeException>(() => new FixedPoint(0, 10, 3)).Message);
        Assert.Contains("clipRange", Assert.Throws<ArgumentOutOfRangeException>(() => new FixedPoint(double.NaN, 10, 3)).Message);
        Assert.Contains("fractionalBits", Assert.Throws<ArgumentOutOfRangeException>(() => new FixedPoint(1, 31, 1)).Message);
        Assert.Contains("maxSummands", Assert.Throws<ArgumentOutOfRangeException>(() => new FixedPoint(1, 10, 0)).Message);
        Assert.Contains("even in whole units", Assert.Throws<ArgumentException>(() => FixedPoint.Finest(1e9, 3)).Message);
        Assert.Contains("summands", Assert.Throws<ArgumentOutOfRangeException>(() => new FixedPoint(1, 10, 3).DecodeSum(new uint[1], 4)).Message);
    }
}
