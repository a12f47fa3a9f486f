using System.Text.Json.Serialization;
using Parity.Json;

namespace Parity.Federation;

/// <summary>
/// A session as the API shows it: the upstream's <c>FLSessionResponse</c> fields (UPSTREAM.md §7.1), with
/// <c>participant_count</c> true, plus its participants, every round so far, and why it failed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlSessionView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public string Description { get; init; } = "";
    [Id(3)] public required string ModelType { get; init; }
    [Id(4)] public required FlSessionStatus Status { get; init; }
    [Id(5)] public required int CurrentRound { get; init; }
    [Id(6)] public required int TotalRounds { get; init; }
    [Id(7)] public required int MinParticipants { get; init; }
    [Id(8)] public required int ParticipantCount { get; init; }
    [Id(9), JsonConverter(typeof(RawJsonConverter))] public required string Config { get; init; }
    [Id(10)] public required FlTrainingData TrainingData { get; init; }
    [Id(11)] public string? CreatorAddress { get; init; }
    [Id(12)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(13)] public required DateTimeOffset UpdatedAt { get; init; }
    [Id(14)] public DateTimeOffset? CompletedAt { get; init; }
    [Id(15)] public string? Error { get; init; }
    [Id(16)] public required string AggregationMethod { get; init; }
    [Id(17)] public required string Quorum { get; init; }
    [Id(18)] public required double RoundTimeoutSeconds { get; init; }
    [Id(19)] public required long Seed { get; init; }
    [Id(20)] public string? TestDatasetCid { get; init; }
    [Id(21)] public required IReadOnlyList<FlParticipantView> Participants { get; init; }
    [Id(22)] public required IReadOnlyList<FlRoundView> Rounds { get; init; }
    /// <summary>
    /// With <c>config.evaluation_fraction</c>: the evaluation-only tasks that score the last round's model once it is
    /// aggregated (the earlier rounds are scored by the next round's tasks). Null until the last round closes.
    /// </summary>
    [Id(23)] public FlRoundView? FinalEvaluation { get; init; }
    /// <summary>With differential privacy: the ε spent so far and what it rests on; null without it.</summary>
    [Id(24)] public FlPrivacyView? Privacy { get; init; }
}
