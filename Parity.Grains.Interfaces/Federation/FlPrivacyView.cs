namespace Parity.Federation;

/// <summary>
/// A session's differential privacy as <c>GET …/sessions/{id}</c> shows it (<c>privacy</c>): the guarantee so far and
/// the parameters it rests on. The unit of privacy is one participant's whole part (user-level DP, add or remove one
/// participant's data); the ε is what anyone who sees the global models (or the aggregates) can learn about it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlPrivacyView
{
    [Id(0)] public required FlPrivacyMode Mode { get; init; }
    [Id(1)] public required FlClipping Clipping { get; init; }
    /// <summary>ε spent by the completed rounds, at <see cref="Delta"/> (0 before the first).</summary>
    [Id(2)] public required double Epsilon { get; init; }
    [Id(3)] public required double Delta { get; init; }
    /// <summary>The Rényi order that gave <see cref="Epsilon"/>.</summary>
    [Id(4)] public required double Order { get; init; }
    /// <summary>Rounds charged (the aggregated ones).</summary>
    [Id(5)] public required int Rounds { get; init; }
    /// <summary>The configured z.</summary>
    [Id(6)] public required double NoiseMultiplier { get; init; }
    /// <summary>The clip norm the next round uses (the last one used once the session has finished).</summary>
    [Id(7)] public required double Clip { get; init; }
    [Id(8)] public double? MaxEpsilon { get; init; }
    /// <summary>
    /// Client mode: the ε each participant keeps against whoever sees its single updates — the session itself, unless
    /// secure aggregation hides them — under replacement of its data (each update carries only 1/√m of the noise,
    /// multiplier z/(2√m) for a change of up to twice the clip). Null in server mode, where the session sees raw updates,
    /// and under secure aggregation, where it sees none.
    /// </summary>
    [Id(9)] public double? UpdateEpsilon { get; init; }
    /// <summary>Why the session stopped early to stay within <see cref="MaxEpsilon"/>; null when it did not.</summary>
    [Id(10)] public string? StopReason { get; init; }
}
