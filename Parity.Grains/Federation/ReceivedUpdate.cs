using System.Text.Json.Serialization;

namespace Parity.Federation;

/// <summary>
/// A model update as received, from a round task's output (<see cref="FederatedUpdate"/>) or from the upstream's
/// submission route (UPSTREAM.md §7.2, which spells the training time <c>training_time</c> and sends no metadata): only the
/// fields the session uses, all optional here so that <see cref="UpdateCheck"/> names what is missing.
/// </summary>
public sealed record ReceivedUpdate
{
    public string? SessionId { get; init; }
    public string? RoundId { get; init; }
    public Dictionary<string, float[]>? Weights { get; init; }
    public string? Forest { get; init; }
    public int? DataSize { get; init; }
    public double? Loss { get; init; }
    public double? Accuracy { get; init; }
    public double? RSquared { get; init; }
    public long? TrainingTimeMs { get; init; }
    [JsonPropertyName("training_time")] public long? TrainingTime { get; init; }
    public ForestMetrics? RfMetrics { get; init; }
    public FederatedEvaluation? GlobalEvaluation { get; init; }
    public double? BelowClip { get; init; }
    public string? MaskedUpdate { get; init; }
    public int? SecAggParticipant { get; init; }
    public Dictionary<string, float[]>? Gradients { get; init; }

    public long? TrainingMilliseconds => TrainingTimeMs ?? TrainingTime;
}
