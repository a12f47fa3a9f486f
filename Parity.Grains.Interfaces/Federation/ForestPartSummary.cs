namespace Parity.Federation;

/// <summary>
/// A part's answer to step 0: per feature its sorted distinct values (or equal-count groups of them) with their counts,
/// the distinct labels it trains on, and its training rows. Enough to cut shared bins; no row can be read back from it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ForestPartSummary
{
    [Id(0)] public required float[][] Values { get; init; }
    [Id(1)] public required long[][] Counts { get; init; }
    [Id(2)] public required float[] Labels { get; init; }
    [Id(3)] public required int Rows { get; init; }
    [Id(4)] public double ComputeMs { get; init; }
}
