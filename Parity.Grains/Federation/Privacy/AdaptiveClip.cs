namespace Parity.Federation.Privacy;

/// <summary>
/// Adaptive clipping after Andrew, Thakkar, McMahan and Ramaswamy, "Differentially Private Learning with Adaptive
/// Clipping" (NeurIPS 2021): the clip follows the γ-quantile of the update norms. Each round every update says whether
/// its norm was within the clip, as b − ½ (±½, so that adding or removing one participant moves the sum by at most ½);
/// the sum gets Gaussian noise σ_b, and b̄ = (Σ(b − ½) + noise)/k + ½ estimates the fraction within the clip. The clip
/// then moves geometrically: C ← C·exp(−η(b̄ − γ)), growing while too many updates are clipped, shrinking otherwise.
/// The noisy count costs privacy too: with update noise z_Δ the round is a Gaussian mechanism of multiplier
/// (z_Δ⁻² + (2σ_b)⁻²)^(−1/2) (the paper's Theorem 1), so to spend what multiplier z costs, the updates get
/// z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2).
/// </summary>
public static class AdaptiveClip
{
    /// <summary>An update's centred indicator: +½ when its norm is within the clip, −½ when it was clipped.</summary>
    public static double Indicator(double norm, double clip) => norm <= clip ? 0.5 : -0.5;

    /// <summary>
    /// b̄ from the (noised) sum of <paramref name="count"/> centred indicators, held within [0, 1]: the noise can carry
    /// the estimate outside, and a fraction outside says nothing more (holding it is post-processing, free of privacy).
    /// </summary>
    public static double UnclippedFraction(double noisedIndicatorSum, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return Math.Clamp(noisedIndicatorSum / count + 0.5, 0, 1);
    }

    /// <summary>The next round's clip: C·exp(−η(b̄ − γ)).</summary>
    public static double Next(double clip, double unclippedFraction, double targetQuantile, double learningRate)
    {
        if (!(clip > 0)) throw new ArgumentOutOfRangeException(nameof(clip), clip, "the clip must be > 0");
        return clip * Math.Exp(-learningRate * (unclippedFraction - targetQuantile));
    }

    /// <summary>z_Δ, the multiplier the updates get so that they and a count of noise σ_b together cost multiplier z.</summary>
    public static double UpdateNoiseMultiplier(double noiseMultiplier, double countStddev)
    {
        if (!(noiseMultiplier > 0)) throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "z must be > 0");
        if (!(2 * countStddev > noiseMultiplier))
            throw new ArgumentOutOfRangeException(nameof(countStddev), countStddev, "σ_b must be above z/2, or the count takes the whole budget");
        return 1 / Math.Sqrt(1 / (noiseMultiplier * noiseMultiplier) - 1 / (4 * countStddev * countStddev));
    }
}
