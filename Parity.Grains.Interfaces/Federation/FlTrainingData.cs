namespace Parity.Federation;

/// <summary>The session's <c>training_data</c>: the dataset by CID, its format, and how it is split among participants.</summary>
[GenerateSerializer, Immutable]
public sealed record FlTrainingData
{
    [Id(0)] public required string DatasetCid { get; init; }
    /// <summary>csv or json.</summary>
    [Id(1)] public required string DataFormat { get; init; }
    /// <summary>The wire name of the partitioning strategy, as given (random, iid, stratified, sequential, non_iid, dirichlet, label_skew).</summary>
    [Id(2)] public required string SplitStrategy { get; init; }
    [Id(3)] public double? Alpha { get; init; }
    [Id(4)] public required int MinSamples { get; init; }
    [Id(5)] public double? OverlapRatio { get; init; }
}
