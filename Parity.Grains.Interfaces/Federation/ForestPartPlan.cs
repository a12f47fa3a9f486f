namespace Parity.Federation;

/// <summary>
/// The plan every part shares: the bin thresholds per feature, the classes, the rows of all parts together, and where
/// this part's rows start in that numbering (parts are numbered one after the other, in part order), which fixes each
/// row's bootstrap weights.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ForestPartPlan
{
    [Id(0)] public required float[][] Thresholds { get; init; }
    [Id(1)] public required float[] Classes { get; init; }
    [Id(2)] public required int TotalRows { get; init; }
    [Id(3)] public required int RowOffset { get; init; }
}
