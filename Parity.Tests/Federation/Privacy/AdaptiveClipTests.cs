using Parity.Federation.Privacy;

namespace Parity.Tests.Federation.Privacy;

/// <summary>Adaptive clipping (Andrew et al., 2021) against values computed by hand.</summary>
public sealed class AdaptiveClipTests
{
    [Theory]
    // 1.0·exp(−0.2·(0.8 − 0.5)) = exp(−0.06) = 0.94176453: too many unclipped, the clip shrinks.
    [InlineData(1.0, 0.8, 0.5, 0.2, 0.9417645335842487)]
    // 2.0·exp(−0.2·(0.1 − 0.5)) = 2·exp(0.08) = 2.16657414: too many clipped, it grows.
    [InlineData(2.0, 0.1, 0.5, 0.2, 2.1665741353499173)]
    // On target it stays.
    [InlineData(3.0, 0.5, 0.5, 0.7, 3.0)]
    public void The_clip_moves_geometrically_towards_the_quantile(double clip, double fraction, double quantile, double rate, double expected) =>
        Assert.Equal(expected, AdaptiveClip.Next(clip, fraction, quantile, rate), 12);

    [Fact]
    public void The_indicator_is_centred_and_the_fraction_undoes_the_centring()
    {
        Assert.Equal(0.5, AdaptiveClip.Indicator(2.0, 2.0));
        Assert.Equal(-0.5, AdaptiveClip.Indicator(2.01, 2.0));
        // Three within the clip, one clipped: Σ = 1.5 − 0.5 = 1; 1/4 + ½ = 0.75.
        Assert.Equal(0.75, AdaptiveClip.UnclippedFraction(1.0, 4), 12);
        // Noise can carry the estimate outside [0, 1]: 3/2 + ½ = 2 is held at 1, −3/2 + ½ = −1 at 0.
        Assert.Equal(1.0, AdaptiveClip.UnclippedFraction(3.0, 2), 12);
        Assert.Equal(0.0, AdaptiveClip.UnclippedFraction(-3.0, 2), 12);
    }

    [Theory]
    // (1 − 1/4)^(−1/2) = 1/√0.75 = 1.15470054.
    [InlineData(1.0, 1.0, 1.1547005383792515)]
    // (1/0.25 − 1/(4·0.25))^(−1/2) = (4 − 1)^(−1/2) = 0.57735027.
    [InlineData(0.5, 0.5, 0.5773502691896258)]
    public void The_update_noise_makes_up_for_the_share_the_count_takes(double z, double countStddev, double expected) =>
        Assert.Equal(expected, AdaptiveClip.UpdateNoiseMultiplier(z, countStddev), 12);

    [Fact]
    public void The_update_noise_and_the_count_noise_together_cost_what_z_costs()
    {
        // Theorem 1 of the paper: (z_Δ⁻² + (2σ_b)⁻²)^(−1/2) = z.
        var update = AdaptiveClip.UpdateNoiseMultiplier(1.3, 2.0);
        Assert.Equal(1.3, 1 / Math.Sqrt(1 / (update * update) + 1 / (4 * 2.0 * 2.0)), 12);
    }

    [Fact]
    public void A_count_noise_at_or_below_half_of_z_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AdaptiveClip.UpdateNoiseMultiplier(1.0, 0.5));

    [Fact]
    public void Without_noise_the_clip_settles_at_the_target_quantile_of_the_norms()
    {
        // Norms 1..5, median 3: within [3, 4) the clip leaves 3 of 5 (0.6) unclipped and shrinks; within [2, 3), 2 of
        // 5 (0.4) and grows. Each step is a factor exp(±0.02), so it ends within 2 % of 3.
        double[] norms = [1, 2, 3, 4, 5];
        var clip = 0.5;
        for (var round = 0; round < 300; round++)
        {
            var sum = norms.Sum(n => AdaptiveClip.Indicator(n, clip));
            clip = AdaptiveClip.Next(clip, AdaptiveClip.UnclippedFraction(sum, norms.Length), 0.5, 0.2);
        }
        Assert.InRange(clip, 3 * Math.Exp(-0.021), 3 * Math.Exp(0.021));
    }
}
