using System.Text.Json.Serialization;
using Parity.Json;

namespace Parity.Federation;

/// <summary>
/// A federated session as created: the upstream's fields (UPSTREAM.md §7.1) and Parity's additions, validated by
/// <see cref="FlSessionRequest"/>. <see cref="Config"/> keeps the request's <c>config</c> object as raw JSON: the
/// strategy's parameters and the local trainer's are read from it by the engines that use them.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlSessionSpec
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public string Description { get; init; } = "";
    [Id(2)] public required FederatedModelType ModelType { get; init; }
    [Id(3)] public required int TotalRounds { get; init; }
    [Id(4)] public required int MinParticipants { get; init; }
    [Id(5)] public string? CreatorAddress { get; init; }
    [Id(6)] public required FlTrainingData TrainingData { get; init; }
    [Id(7), JsonConverter(typeof(RawJsonConverter))] public required string Config { get; init; }
    /// <summary>The strategy's wire name, lower-case (<c>federated_averaging</c> is kept as given).</summary>
    [Id(8)] public required string AggregationMethod { get; init; }
    [Id(9)] public required TimeSpan RoundTimeout { get; init; }
    [Id(10)] public required FlQuorum Quorum { get; init; }
    /// <summary>The runners asked for by name; null: every runner online at start that trains federated models.</summary>
    [Id(11)] public IReadOnlyList<string>? Participants { get; init; }
    [Id(12)] public string? TestDatasetCid { get; init; }
    /// <summary>Shared by every participant's partitioning and initialisation, so all compute the same parts.</summary>
    [Id(13)] public required long Seed { get; init; }
    /// <summary>
    /// Participants outside the cluster: they get parts after the runners', fetch the global model from the API and
    /// submit their updates to <c>POST /api/v1/federated-learning/model-updates</c> (no round task is sent to them).
    /// </summary>
    [Id(14)] public IReadOnlyList<string>? ExternalParticipants { get; init; }
    /// <summary><c>participants</c> given as a selector by capability (then <see cref="Participants"/> is null).</summary>
    [Id(15)] public FlParticipantSelector? Selector { get; init; }
    /// <summary><c>config.max_update_norm</c>: an update farther than this (L2) from the global model is rejected.</summary>
    [Id(16)] public double? MaxUpdateNorm { get; init; }
    /// <summary>
    /// <c>config.evaluation_fraction</c>, in (0, 0.5]: each participant holds out this fraction of its part, never trains
    /// on it, and scores each global model on it (federated evaluation). Null: no federated evaluation.
    /// </summary>
    [Id(17)] public double? EvaluationFraction { get; init; }
    /// <summary><c>config.privacy_config</c> with differential privacy on; null: none.</summary>
    [Id(18)] public FlPrivacySpec? Privacy { get; init; }
    /// <summary><c>config.privacy_config.secure_aggregation</c>: the session learns only the sum of each round's updates.</summary>
    [Id(19)] public bool SecureAggregation { get; init; }
}
