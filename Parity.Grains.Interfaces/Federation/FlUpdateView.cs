namespace Parity.Federation;

/// <summary>One participant's part of a round: what became of its update, why, and the metrics it reported.</summary>
[GenerateSerializer, Immutable]
public sealed record FlUpdateView
{
    [Id(0)] public required string Runner { get; init; }
    [Id(1)] public required int PartIndex { get; init; }
    /// <summary>The round task that trains this part; null for an external participant.</summary>
    [Id(2)] public string? TaskId { get; init; }
    [Id(3)] public required FlUpdateStatus Status { get; init; }
    [Id(4)] public string? Reason { get; init; }
    [Id(5)] public int? DataSize { get; init; }
    [Id(6)] public double? Loss { get; init; }
    [Id(7)] public double? Accuracy { get; init; }
    [Id(8)] public double? RSquared { get; init; }
    [Id(9)] public long? TrainingTimeMs { get; init; }
    [Id(10)] public DateTimeOffset? ReceivedAt { get; init; }
    /// <summary>The update's L2 norm (its distance from the round's global model).</summary>
    [Id(11)] public double? UpdateNorm { get; init; }
    /// <summary>
    /// The participant's score of the global model its task carried (the previous round's), on its held-out rows; in
    /// the final evaluation, of the last round's model. Null without <c>config.evaluation_fraction</c>.
    /// </summary>
    [Id(12)] public FederatedEvaluation? GlobalEvaluation { get; init; }
}
