namespace Parity.Federation;

/// <summary>
/// How many valid updates close a round once its deadline has passed: a count, or a fraction of the round's
/// participants (rounded up). Exactly one of the two is set.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlQuorum
{
    [Id(0)] public int? Count { get; init; }
    [Id(1)] public double? Fraction { get; init; }

    /// <summary>The number of updates this quorum asks of <paramref name="participants"/> participants (at least 1).</summary>
    public int Of(int participants) => Count is { } count
        ? count
        : Math.Max(1, (int)Math.Ceiling(Math.Round(Fraction!.Value * participants, 9)));

    public override string ToString() => Count is { } count ? $"{count}" : $"{Fraction:0.###} of the participants";
}
