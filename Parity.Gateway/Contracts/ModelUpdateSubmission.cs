using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parity.Gateway.Contracts;

/// <summary>The body of <c>POST /api/v1/federated-learning/model-updates</c>.</summary>
[Description("A participant's update for the open round: the ids, and the update itself as a round task outputs it (weights or forest, data_size, loss, metrics), checked against the global model.")]
public sealed record ModelUpdateSubmission
{
    public required string SessionId { get; init; }
    public required string RoundId { get; init; }
    public required string RunnerId { get; init; }
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Update { get; init; }
}
