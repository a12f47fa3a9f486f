namespace Parity.Federation;

/// <summary>
/// What a histogram-forest session fixed before its first level: the bin thresholds per feature, the classes, and the
/// parts in the plan with their training rows (in part order, which numbers the rows for the bootstrap).
/// </summary>
[GenerateSerializer]
public sealed class ForestPlanRecord
{
    [Id(0)] public required float[][] Thresholds { get; init; }
    [Id(1)] public required float[] Classes { get; init; }
    [Id(2)] public required int[] Parts { get; init; }
    [Id(3)] public required int[] Rows { get; init; }

    public int TotalRows => Rows.Sum();

    /// <summary>Where part <paramref name="index"/>'s rows start in the plan's numbering.</summary>
    public int OffsetOf(int index) => Rows.Take(index).Sum();
}
