using System.Text.Json.Serialization;
using Parity.Json;

namespace Parity.Federation;

/// <summary>
/// <c>GET …/sessions/{id}/model</c>: the upstream's shape (<c>model_data</c> holds the global model: <c>method</c>,
/// <c>weights</c>, <c>global_metrics</c>, or a forest's <c>forest</c>), plus the model's SHA-256 (see
/// <c>ModelDigest</c>: over the model's bytes, not its JSON text) and the round it comes from.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlModelView
{
    [Id(0)] public required string SessionId { get; init; }
    [Id(1)] public required string SessionName { get; init; }
    [Id(2)] public required string ModelType { get; init; }
    [Id(3)] public required FlSessionStatus Status { get; init; }
    [Id(4)] public required int TotalRounds { get; init; }
    [Id(5)] public DateTimeOffset? CompletedAt { get; init; }
    [Id(6)] public required int Round { get; init; }
    [Id(7), JsonConverter(typeof(RawJsonConverter))] public required string ModelData { get; init; }
    [Id(8)] public required string Sha256 { get; init; }
}
