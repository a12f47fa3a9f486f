namespace Parity.Federation;

/// <summary>
/// What a participant returns for a round: the upstream model-update fields (UPSTREAM.md §7.2) with the update itself
/// in <c>gradients</c> (local − global), plus the metrics. A forest travels as <see cref="Forest"/> (base64 of the
/// compact binary format), never as averaged floats. Serialised with <c>ParityJson.Options</c> (snake_case, nulls left out).
/// </summary>
public sealed record FederatedUpdate
{
    public required string SessionId { get; init; }
    public required string RoundId { get; init; }
    public required string ModelType { get; init; }
    public IReadOnlyDictionary<string, float[]> Weights { get; init; } = new Dictionary<string, float[]>();
    public IReadOnlyDictionary<string, float[]> Gradients { get; init; } = new Dictionary<string, float[]>();
    public string? Forest { get; init; }
    public required double Loss { get; init; }
    public double? Accuracy { get; init; }
    public double? RSquared { get; init; }
    public double? MeanSquaredError { get; init; }
    /// <summary>Local rows trained on: FedAvg's weight.</summary>
    public required int DataSize { get; init; }
    public required long TrainingTimeMs { get; init; }
    public required FederatedMetadata Metadata { get; init; }
    public ForestMetrics? RfMetrics { get; init; }
    /// <summary>
    /// With <c>evaluation_fraction</c>: the global model this task carried, scored on the held-out rows before training
    /// (null when the task carried none, as a forest's first round).
    /// </summary>
    public FederatedEvaluation? GlobalEvaluation { get; init; }
    /// <summary>
    /// With the task's <c>privacy.count_noise_stddev</c> (adaptive clipping): +½ when the update's norm was within the
    /// clip, −½ when it was clipped, plus the noise; the session sums these to move the clip.
    /// </summary>
    public double? BelowClip { get; init; }
    /// <summary>
    /// Under secure aggregation: the masked update vector (base64 of its ring words) and the sender's number in the
    /// round. <see cref="Weights"/> and <see cref="Gradients"/> are then empty: the update never leaves its runner unmasked.
    /// </summary>
    public string? MaskedUpdate { get; init; }
    public int? SecAggParticipant { get; init; }
}
