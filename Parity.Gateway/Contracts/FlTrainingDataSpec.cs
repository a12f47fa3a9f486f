using System.ComponentModel;

namespace Parity.Gateway.Contracts;

/// <summary>Where a session's data comes from and how it is split among the participants.</summary>
public sealed record FlTrainingDataSpec
{
    public required string DatasetCid { get; init; }
    [Description("csv or json")]
    public required string DataFormat { get; init; }
    [Description("random, iid, stratified, sequential, non_iid, dirichlet or label_skew")]
    public required string SplitStrategy { get; init; }
    [Description("min_samples (required), alpha (non_iid, dirichlet), overlap_ratio in [0, 1).")]
    public required FlDataMetadata Metadata { get; init; }
}
