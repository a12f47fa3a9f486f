using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;

namespace Parity.Learning.Federated;

public enum FederatedModelType
{
    NeuralNetwork,
    LinearRegression,
    RandomForest,
}

/// <summary>
/// The <c>config</c> of a <c>federated_learning</c> task (UPSTREAM.md §7.2): which session and round, the model, the
/// dataset, this participant's partition, and the training parameters. Validation is strict: a training parameter
/// that is missing fails naming it; nothing is defaulted.
/// </summary>
public sealed record FederatedTaskConfig
{
    public required string SessionId { get; init; }
    public required string RoundId { get; init; }
    public required FederatedModelType ModelType { get; init; }
    public required string DatasetCid { get; init; }
    public required DatasetFormat DataFormat { get; init; }
    public required JsonElement ModelConfig { get; init; }
    public required PartitionConfig Partition { get; init; }
    public required JsonElement TrainConfig { get; init; }
    /// <summary>The session's current global model (null in the first round).</summary>
    public JsonElement? GlobalModel { get; init; }

    public static string WireName(FederatedModelType type) => type switch
    {
        FederatedModelType.NeuralNetwork => "neural_network",
        FederatedModelType.LinearRegression => "linear_regression",
        _ => "random_forest",
    };

    /// <summary>Parses and validates; every failure is a <see cref="ModelConfigException"/> naming the field.</summary>
    public static FederatedTaskConfig Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"invalid federated learning config: not valid JSON ({e.Message})", "config");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelConfigException("invalid federated learning config: config must be a JSON object", "config");

            var modelType = RequiredString(root, "model_type") switch
            {
                "neural_network" or "nn" or "mlp" => FederatedModelType.NeuralNetwork,
                "linear_regression" or "linear" => FederatedModelType.LinearRegression,
                "random_forest" or "rf" => FederatedModelType.RandomForest,
                var other => throw new ModelConfigException(
                    $"unsupported model_type: {other} (expected neural_network, linear_regression or random_forest)", "model_type"),
            };
            var format = RequiredString(root, "data_format") switch
            {
                "csv" => DatasetFormat.Csv,
                "json" => DatasetFormat.Json,
                var other => throw new ModelConfigException($"unsupported data_format: {other} (expected csv or json)", "data_format"),
            };

            var partition = PartitionConfig.FromJson(Object(root, "partition_config"));
            // Every participant must be able to train: the reference's rule, kept.
            if (partition.MinSamples <= 0)
                throw new PartitionConfigException(
                    "invalid partition configuration: min_samples must be provided and positive", "min_samples");

            var global = root.TryGetProperty("global_model", out var model) && model.ValueKind != JsonValueKind.Null
                ? model.Clone()
                : (JsonElement?)null;
            if (global is { ValueKind: not JsonValueKind.Object })
                throw new ModelConfigException("invalid federated learning config: global_model must be a JSON object or null", "global_model");

            return new FederatedTaskConfig
            {
                SessionId = RequiredString(root, "session_id", lower: false),
                RoundId = RequiredString(root, "round_id", lower: false),
                ModelType = modelType,
                DatasetCid = RequiredString(root, "dataset_cid", lower: false),
                DataFormat = format,
                ModelConfig = Object(root, "model_config").Clone(),
                Partition = partition,
                TrainConfig = Object(root, "train_config").Clone(),
                GlobalModel = global,
            };
        }
    }

    private static string RequiredString(JsonElement root, string name, bool lower = true)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new ModelConfigException($"invalid federated learning config: {name} is required", name);
        if (value.ValueKind != JsonValueKind.String)
            throw new ModelConfigException($"invalid federated learning config: {name} must be a string", name);
        var text = value.GetString()!.Trim();
        if (text.Length == 0) throw new ModelConfigException($"invalid federated learning config: {name} is required", name);
        return lower ? text.ToLowerInvariant() : text;
    }

    private static JsonElement Object(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new ModelConfigException($"invalid federated learning config: {name} is required", name);
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelConfigException($"invalid federated learning config: {name} must be a JSON object", name);
        return value;
    }
}
