using Parity.Federation;

namespace Parity.Tests.Federation;

/// <summary>The vector a participant masks, [w·Δ, w], and the weighted mean read back from the survivors' sum.</summary>
public sealed class SecureUpdateVectorTests
{
    private static readonly Dictionary<string, float[]> Global = new() { ["b"] = [1f], ["a"] = [0f, 2f] };

    [Fact]
    public void The_vector_is_the_weighted_delta_key_by_key_in_ordinal_order_then_the_weight()
    {
        var local = new Dictionary<string, float[]> { ["a"] = [0.5f, 1f], ["b"] = [3f] };
        // Δ: a = [0.5, −1], b = [2]; weight 0.5.
        Assert.Equal([0.25f, -0.5f, 1f, 0.5f], SecureUpdateVector.Build(local, Global, 0.5, updateClip: 0, clipRange: 10));
    }

    [Fact]
    public void The_delta_is_clipped_to_the_update_bound_and_every_coordinate_to_the_ring_range()
    {
        var local = new Dictionary<string, float[]> { ["a"] = [3f, 2f], ["b"] = [5f] };
        // Δ = [3, 0, 4], norm 5, clipped to norm 1: [0.6, 0, 0.8].
        var clipped = SecureUpdateVector.Build(local, Global, 1, updateClip: 1, clipRange: 10);
        Assert.Equal(0.6f, clipped[0], 6);
        Assert.Equal(0.8f, clipped[2], 6);
        // Unclipped but with a ring range of 2: 3 and 4 are clamped (what only privacy noise could reach in a session).
        Assert.Equal([2f, 0f, 2f, 1f], SecureUpdateVector.Build(local, Global, 1, updateClip: 0, clipRange: 2));
    }

    [Fact]
    public void The_mean_of_a_sum_is_fedavgs_weighted_mean()
    {
        var one = SecureUpdateVector.Build(new Dictionary<string, float[]> { ["a"] = [1f, 2f], ["b"] = [1f] }, Global, 1.0, 0, 10);   // Δ a=[1,0] b=[0]
        var two = SecureUpdateVector.Build(new Dictionary<string, float[]> { ["a"] = [0f, 5f], ["b"] = [4f] }, Global, 0.5, 0, 10);   // Δ a=[0,3] b=[3]
        var sum = one.Zip(two, (x, y) => (double)x + y).ToList();
        var (mean, total) = SecureUpdateVector.Mean(sum, Global);
        Assert.Equal(1.5, total);
        // (1·[1,0] + 0.5·[0,3]) / 1.5 and (1·0 + 0.5·3) / 1.5
        Assert.Equal([1 / 1.5f, 1.5f / 1.5f], mean["a"]);
        Assert.Equal([1.5f / 1.5f], mean["b"]);
        Assert.Throws<ArgumentException>(() => SecureUpdateVector.Mean([1, 2], Global));
        Assert.Throws<ArgumentException>(() => SecureUpdateVector.Mean([1, 2, 3, 0], Global));
    }
}
