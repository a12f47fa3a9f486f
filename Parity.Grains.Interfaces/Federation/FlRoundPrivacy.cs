namespace Parity.Federation;

/// <summary>
/// What differential privacy did in one round, in the round view and the <c>round_aggregated</c> event: the clip used,
/// the noise the aggregate carried, and the ε spent by the session up to and including this round.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlRoundPrivacy
{
    /// <summary>The clip norm this round's updates were clipped to.</summary>
    [Id(0)] public required double Clip { get; init; }
    /// <summary>
    /// The noise multiplier the round's aggregate carried, as the accountant charges it: the configured z, or in client
    /// mode z·√(k/m) when only k of the m participants' updates were aggregated (each carried 1/√m of the noise).
    /// </summary>
    [Id(1)] public required double NoiseMultiplier { get; init; }
    /// <summary>q, the chance a participant's data enters a round (1: every participant is asked every round).</summary>
    [Id(2)] public required double SamplingRate { get; init; }
    /// <summary>Updates in the aggregate.</summary>
    [Id(3)] public required int Aggregated { get; init; }
    /// <summary>ε spent by the session after this round, at <see cref="Delta"/>.</summary>
    [Id(4)] public required double Epsilon { get; init; }
    [Id(5)] public required double Delta { get; init; }
    /// <summary>The Rényi order that gave <see cref="Epsilon"/>.</summary>
    [Id(6)] public required double Order { get; init; }
    /// <summary>Adaptive clipping: the noisy fraction of updates that were within the clip (b̄).</summary>
    [Id(7)] public double? UnclippedFraction { get; init; }
    /// <summary>Adaptive clipping: the clip the next round uses.</summary>
    [Id(8)] public double? NextClip { get; init; }
}
