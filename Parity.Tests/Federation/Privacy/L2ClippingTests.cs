using Parity.Federation.Privacy;

namespace Parity.Tests.Federation.Privacy;

/// <summary>Clipping an update to an L2 norm over all of its weights, against values computed by hand.</summary>
public sealed class L2ClippingTests
{
    // Norm of {3, 0} and {4} together: √(9 + 0 + 16) = 5.
    private static Dictionary<string, float[]> Update() => new() { ["a"] = [3f, 0f], ["b"] = [4f] };

    [Fact]
    public void The_norm_is_taken_over_every_key_together() => Assert.Equal(5.0, L2Clipping.Norm(Update()), 12);

    [Fact]
    public void An_update_above_the_clip_is_scaled_to_it_keeping_its_direction()
    {
        var (clipped, norm) = L2Clipping.Clip(Update(), 2.5);
        Assert.Equal(5.0, norm, 12);
        // Factor 2.5 / 5 = 0.5 on every value.
        Assert.Equal([1.5f, 0f], clipped["a"]);
        Assert.Equal([2f], clipped["b"]);
        Assert.Equal(2.5, L2Clipping.Norm(clipped), 6);
    }

    [Fact]
    public void An_update_within_the_clip_is_copied_unchanged()
    {
        var update = Update();
        var (clipped, norm) = L2Clipping.Clip(update, 5.0);
        Assert.Equal(5.0, norm, 12);
        Assert.Equal(update["a"], clipped["a"]);
        Assert.Equal(update["b"], clipped["b"]);
        Assert.NotSame(update["a"], clipped["a"]);
    }

    [Theory]
    [InlineData(5.0, 2.5, 0.5)]
    [InlineData(1.0, 4.0, 1.0)]
    [InlineData(4.0, 4.0, 1.0)]
    [InlineData(0.0, 1.0, 1.0)]
    public void The_factor_is_the_clip_over_the_norm_at_most_one(double norm, double clip, double expected) =>
        Assert.Equal(expected, L2Clipping.Factor(norm, clip), 12);

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void A_clip_that_is_not_positive_is_refused(double clip) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => L2Clipping.Clip(Update(), clip));
}
