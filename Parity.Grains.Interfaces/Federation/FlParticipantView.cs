namespace Parity.Federation;

/// <summary>A participant: its runner, its fixed part of the dataset, the rows in that part, and its state in the current round.</summary>
[GenerateSerializer, Immutable]
public sealed record FlParticipantView
{
    [Id(0)] public required string Runner { get; init; }
    [Id(1)] public required int PartIndex { get; init; }
    [Id(2)] public required int Rows { get; init; }
    [Id(3)] public FlUpdateStatus? State { get; init; }
    /// <summary>Outside the cluster: it submits its updates through the model-update route.</summary>
    [Id(4)] public bool External { get; init; }
    /// <summary>
    /// Of <see cref="Rows"/>, the rows held out for federated evaluation and never trained on
    /// (<c>config.evaluation_fraction</c>); null without it.
    /// </summary>
    [Id(5)] public int? HeldOutRows { get; init; }
}
