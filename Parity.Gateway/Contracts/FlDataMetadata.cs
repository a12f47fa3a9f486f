namespace Parity.Gateway.Contracts;

/// <summary>How a session's data is partitioned: the least rows a participant gets, and the strategy's parameters.</summary>
public sealed record FlDataMetadata
{
    public required int MinSamples { get; init; }
    public double? Alpha { get; init; }
    public double? OverlapRatio { get; init; }
}
