using System.ComponentModel;
using System.Text.Json;

namespace Parity.Gateway.Contracts;

/// <summary>The body of <c>POST /api/v1/federated-learning/sessions</c> (parsed strictly from the raw body by FlSessionRequest).</summary>
[Description("A federated learning session. Unknown keys in config are refused, naming the nearest valid one.")]
public sealed record FlSessionCreation
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    [Description("neural_network (nn, mlp), linear_regression (linear) or random_forest (rf).")]
    public required string ModelType { get; init; }
    public required int TotalRounds { get; init; }
    public required int MinParticipants { get; init; }
    public required FlTrainingDataSpec TrainingData { get; init; }
    [Description("aggregation_method, model_config, local_epochs, batch_size, learning_rate, max_update_norm, privacy_config, train_config, optimizer settings.")]
    public required JsonElement Config { get; init; }
    [Description("Runner names, or a selector object choosing runners by compute path and count.")]
    public JsonElement? Participants { get; init; }
    [Description("Participants outside the cluster, which send updates to POST /api/v1/federated-learning/model-updates.")]
    public IReadOnlyList<string>? ExternalParticipants { get; init; }
    public long? Seed { get; init; }
    public int? RoundTimeoutSeconds { get; init; }
    [Description("A CID of a held-out test set.")]
    public string? TestDatasetCid { get; init; }
    public string? CreatorAddress { get; init; }
}
