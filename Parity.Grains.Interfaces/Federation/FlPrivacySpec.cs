namespace Parity.Federation;

/// <summary>
/// <c>config.privacy_config</c> with <c>differential_privacy: true</c>, as validated by <see cref="FlPrivacyRequest"/>.
/// Every parameter is the user's: none is defaulted. The adaptive-clipping ones are set exactly when
/// <see cref="Clipping"/> is <see cref="FlClipping.Adaptive"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlPrivacySpec
{
    /// <summary>z: the noise on the sum of a round's clipped updates has standard deviation z × clip (z &gt; 0).</summary>
    [Id(0)] public required double NoiseMultiplier { get; init; }
    /// <summary>The clip norm (L2, over all of an update's weights); with adaptive clipping, the first round's.</summary>
    [Id(1)] public required double L2NormClip { get; init; }
    [Id(2)] public required FlPrivacyMode Mode { get; init; }
    [Id(3)] public required FlClipping Clipping { get; init; }
    /// <summary>The δ the spent ε is reported at; below 1/n for n participants.</summary>
    [Id(4)] public required double TargetDelta { get; init; }
    /// <summary>The session stops before a round that could take ε past this; null: no budget, every round runs.</summary>
    [Id(5)] public double? MaxEpsilon { get; init; }
    /// <summary>Adaptive: γ, the fraction of updates the clip should leave unclipped, in (0, 1).</summary>
    [Id(6)] public double? TargetQuantile { get; init; }
    /// <summary>Adaptive: η, the step of the geometric update clip ← clip·exp(−η(b̄ − γ)).</summary>
    [Id(7)] public double? ClipLearningRate { get; init; }
    /// <summary>
    /// Adaptive: σ_b, the standard deviation of the noise on a round's count of unclipped updates. It takes a share of
    /// the privacy: the updates then get the larger multiplier (z⁻² − (2σ_b)⁻²)^(−1/2), so the two together cost what
    /// z alone costs. Must be above z/2.
    /// </summary>
    [Id(8)] public double? ClipCountStddev { get; init; }
}
