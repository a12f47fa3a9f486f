using System.Text.Json;
using Parity.Json;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// The <c>config</c> of a <c>federated_learning</c> task (UPSTREAM.md §7.2): which session and round, the model, the
/// dataset, this participant's partition, and the training parameters. Validation is strict and complete up front —
/// the partition and the model's own parameters are checked by the learning engines' validators, so the gateway
/// refuses a bad config with the field named instead of a runner failing it later. Nothing is defaulted.
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
    /// <summary>
    /// Parity's addition: the runner that must train this part (a session's participant); null lets any runner that
    /// trains federated models take it, as for a task pushed by an upstream server.
    /// </summary>
    public string? Participant { get; init; }
    /// <summary>
    /// Parity's addition: the fraction of this part (in (0, 0.5]) held out for federated evaluation
    /// (<see cref="HeldOutSplit"/>): never trained on, used to score <see cref="GlobalModel"/> before training. Null: none.
    /// </summary>
    public double? EvaluationFraction { get; init; }
    /// <summary>Parity's addition: only score <see cref="GlobalModel"/> on the held-out rows; train nothing.</summary>
    public bool EvaluateOnly { get; init; }
    /// <summary>Parity's addition: client-mode differential privacy, what the runner does to its update. Null: none.</summary>
    public FederatedPrivacy? Privacy { get; init; }

    /// <summary>Parity's addition: the runner masks its update for secure aggregation. Null: sent as it is.</summary>
    public FederatedSecureAggregation? SecureAggregation { get; init; }

    /// <summary>
    /// Parity's addition: a session's rehearsal before round 1. The runner takes its part and trains from
    /// <see cref="GlobalModel"/> on at most <see cref="RehearsalRows"/> of its rows, as a round task would, but answers
    /// with the global weights it received (a zero update): the round's whole path runs once, and nothing learnt from
    /// the data leaves the runner.
    /// </summary>
    public bool Rehearsal { get; init; }

    /// <summary>The most rows a rehearsal trains on: enough to run every step of training, few enough to cost nothing.</summary>
    public const int RehearsalRows = 64;

    /// <summary>
    /// The fields <c>config</c> takes: the upstream's (UPSTREAM.md §7.2), and Parity's <c>participant</c>,
    /// <c>evaluation_fraction</c>, <c>evaluate_only</c>, <c>privacy</c>, <c>secure_aggregation</c> and <c>rehearsal</c>.
    /// </summary>
    public static IReadOnlyList<string> Fields { get; } =
    [
        "session_id", "round_id", "model_type", "dataset_cid", "data_format", "model_config", "partition_config",
        "train_config", "output_format", "global_model", "participant", "evaluation_fraction", "evaluate_only",
        "privacy", "secure_aggregation", "rehearsal",
    ];

    /// <summary>
    /// Refuses a <c>config</c> field this type does not take, or a <c>partition_config</c> key the partitioner does not
    /// read, naming it (Parity's API; upstream pushes are tolerated). A misspelt <c>min_sample</c> or <c>seeed</c> that
    /// were ignored would split the data otherwise than the sender asked. <c>model_config</c> keys, and the
    /// <c>train_config</c> keys of the models that read it, are refused by the engines' own validators, for every source.
    /// </summary>
    public static void RefuseUnknownFields(ParityTask task)
    {
        using var document = JsonFields.ParseObject(task.Config, "config", required: false, "");
        if (document is null) return;
        KnownFields.Check(document.RootElement, "config.", Fields);
        if (JsonFields.Field(document.RootElement, "partition_config") is { ValueKind: JsonValueKind.Object } partition)
            KnownFields.Check(partition, "config.partition_config.", PartitionConfig.Keys);
    }

    public static string WireName(FederatedModelType type) => type switch
    {
        FederatedModelType.NeuralNetwork => "neural_network",
        FederatedModelType.LinearRegression => "linear_regression",
        _ => "random_forest",
    };

    /// <summary>The network's options (training and model parameters), as validated.</summary>
    public MlpOptions NetworkOptions() => MlpOptions.FromJson(TrainConfig, ModelConfig, Partition.Seed);

    public LinearRegressionOptions LinearOptions() => LinearRegressionOptions.FromJson(TrainConfig, ModelConfig, Partition.Seed);

    public ForestOptions ForestOptions() => ForestOptionsJson.FromJson(ModelConfig, Partition.Seed);

    /// <summary>Whether the model predicts classes: the held-out rows are then stratified by class.</summary>
    public bool IsClassifier => ModelType switch
    {
        FederatedModelType.RandomForest => true,
        FederatedModelType.LinearRegression => false,
        _ => NetworkOptions().Task == MlpTask.Classification,
    };

    /// <summary>
    /// A forest's global model: <c>{"forest": base64}</c>, the compact binary format the session serves. Forests train
    /// from scratch each round; the session sends one only for federated evaluation.
    /// </summary>
    /// <exception cref="ModelConfigException">It is not such an object, or the forest does not decode.</exception>
    public static RandomForest ReadForest(JsonElement globalModel)
    {
        if (globalModel.ValueKind != JsonValueKind.Object || JsonFields.Field(globalModel, "forest") is not { ValueKind: JsonValueKind.String } text)
            throw new ModelConfigException("a random_forest's global model must be {\"forest\": base64 of the serialized forest}");
        try
        {
            return ForestSerializer.Deserialize(Convert.FromBase64String(text.GetString()!));
        }
        catch (FormatException e)
        {
            throw new ModelConfigException($"the forest does not decode: {e.Message}", "forest");
        }
    }

    /// <summary>
    /// An upstream task's config with <c>partition_config.seed</c> set, when it has none, to the one its session's every
    /// participant derives alike: the first 53 bits of SHA-256 of <c>session_id</c> (a JSON number any reader keeps exact).
    /// Anything else (no session id, no partition object, not JSON) is returned as it is, for the validator to name.
    /// </summary>
    public static string? WithSessionSeed(string? json)
    {
        if (string.IsNullOrEmpty(json)) return json;
        try
        {
            // A JsonObject reads its properties lazily: a duplicate key throws on first access, so all of it is in here.
            if (System.Text.Json.Nodes.JsonNode.Parse(json) is not System.Text.Json.Nodes.JsonObject root
                || root["partition_config"] is not System.Text.Json.Nodes.JsonObject partition || partition["seed"] is not null
                || root["session_id"] is not System.Text.Json.Nodes.JsonValue session || !session.TryGetValue<string>(out var sessionId)
                || sessionId.Trim().Length == 0)
                return json;
            partition["seed"] = SessionSeed(sessionId.Trim());
            return root.ToJsonString();
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return json;
        }
    }

    /// <summary>The partition seed shared by a session's participants: the first 53 bits of SHA-256 of its id.</summary>
    public static long SessionSeed(string sessionId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sessionId));
        return (long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11);
    }

    /// <summary>Parses and validates; every failure is a <see cref="TaskConfigException"/> naming the field.</summary>
    public static FederatedTaskConfig Parse(string? json)
    {
        using var document = JsonFields.ParseObject(json, "config", required: true,
            "config is required for federated_learning tasks")!;
        var root = document.RootElement;
        // First: the session's id is where a missing partition seed of an upstream task comes from.
        var sessionId = Identifier(root, "session_id");
        var roundId = Identifier(root, "round_id");

        var modelType = RequiredString(root, "model_type").ToLowerInvariant() switch
        {
            "neural_network" or "nn" or "mlp" => FederatedModelType.NeuralNetwork,
            "linear_regression" or "linear" => FederatedModelType.LinearRegression,
            "random_forest" or "rf" => FederatedModelType.RandomForest,
            var other => throw new TaskConfigException(
                $"config.model_type: unsupported model_type: {other} (expected neural_network, linear_regression or random_forest)"),
        };
        var format = RequiredString(root, "data_format").ToLowerInvariant() switch
        {
            "csv" => DatasetFormat.Csv,
            "json" => DatasetFormat.Json,
            var other => throw new TaskConfigException($"config.data_format: unsupported data_format: {other} (expected csv or json)"),
        };
        var cid = RequiredString(root, "dataset_cid");
        if (!Parity.Storage.Cid.TryParse(cid, out _, out var cidError))
            throw new TaskConfigException($"config.dataset_cid '{JsonFields.Excerpt(cid)}' is not a CID: {cidError}");

        var partition = Engine("partition_config", () => PartitionConfig.FromJson(Object(root, "partition_config")));
        // Every participant must be able to train: the reference's rule, kept.
        if (partition.MinSamples <= 0)
            throw new TaskConfigException(
                "config.partition_config.min_samples: invalid partition configuration: min_samples must be provided and positive");

        var global = JsonFields.Field(root, "global_model") is { } model ? model.Clone() : (JsonElement?)null;
        if (global is { ValueKind: not JsonValueKind.Object })
            throw new TaskConfigException("config.global_model must be a JSON object or null");

        var config = new FederatedTaskConfig
        {
            SessionId = sessionId,
            RoundId = roundId,
            ModelType = modelType,
            DatasetCid = cid,
            DataFormat = format,
            ModelConfig = Object(root, "model_config").Clone(),
            Partition = partition,
            TrainConfig = Object(root, "train_config").Clone(),
            GlobalModel = global,
            Participant = JsonFields.String(root, "participant", "config.")?.Trim() is { Length: > 0 } participant ? participant : null,
            EvaluationFraction = JsonFields.Number(root, "evaluation_fraction", "config.") is { } fraction
                ? fraction is > 0 and <= 0.5 ? fraction
                    : throw new TaskConfigException(
                        $"config.evaluation_fraction must be in (0, 0.5], got {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}")
                : null,
            EvaluateOnly = JsonFields.Boolean(root, "evaluate_only", "config.") ?? false,
            Privacy = JsonFields.Field(root, "privacy") is { } privacy ? FederatedPrivacy.Parse(privacy) : null,
            SecureAggregation = JsonFields.Field(root, "secure_aggregation") is { } secure ? FederatedSecureAggregation.Parse(secure) : null,
            Rehearsal = JsonFields.Boolean(root, "rehearsal", "config.") ?? false,
        };
        if (config.Rehearsal && (modelType == FederatedModelType.RandomForest || global is null))
            throw new TaskConfigException("config.rehearsal needs a weight model and its config.global_model: a rehearsal answers with the global weights");
        if (config.Rehearsal && (config.EvaluateOnly || config.Privacy is not null || config.SecureAggregation is not null))
            throw new TaskConfigException("config.rehearsal trains and answers nothing of its own: it takes no evaluate_only, privacy or secure_aggregation");
        if (config.SecureAggregation is not null && (modelType == FederatedModelType.RandomForest || global is null))
            throw new TaskConfigException("config.secure_aggregation needs a weight model and its config.global_model: the update it masks is local − global");
        if (config.Privacy is not null && (modelType == FederatedModelType.RandomForest || global is null))
            throw new TaskConfigException("config.privacy needs a weight model and its config.global_model: the update it clips is local − global");
        if (config.EvaluateOnly && config.EvaluationFraction is null)
            throw new TaskConfigException("config.evaluate_only needs config.evaluation_fraction: the held-out rows to evaluate on");
        if (config.EvaluateOnly && global is null)
            throw new TaskConfigException("config.evaluate_only needs config.global_model: the model to evaluate");
        // The model's own parameters, checked now by the engine that will train with them.
        Engine("train_config", () => config.ModelType switch
        {
            FederatedModelType.NeuralNetwork => config.NetworkOptions(),
            FederatedModelType.LinearRegression => config.LinearOptions(),
            _ => (object)config.ForestOptions(),
        });
        if (global is { } weights)
            Engine("global_model", () => config.ModelType == FederatedModelType.RandomForest
                ? (object)ReadForest(weights) : GlobalModelJson.ReadWeights(weights)!);
        return config;
    }

    /// <summary>Runs an engine's validator; its error becomes a task config error under <c>config.{section}</c>.</summary>
    private static T Engine<T>(string section, Func<T> validate)
    {
        try
        {
            return validate();
        }
        catch (ModelConfigException e)
        {
            var field = e.Field is null ? "" : $"{e.Field}";
            throw new TaskConfigException(section == "train_config" && field.Length > 0
                ? $"config ({field}): {e.Message}"
                : $"config.{section}{(field.Length > 0 ? "." + field : "")}: {e.Message}");
        }
    }

    private static string RequiredString(JsonElement root, string name)
    {
        var text = JsonFields.String(root, name, "config.")?.Trim();
        return string.IsNullOrEmpty(text) ? throw new TaskConfigException($"config.{name} is required") : text;
    }

    /// <summary>The longest <c>session_id</c> / <c>round_id</c>: the upstream's are UUIDs, Parity's a session id and a round.</summary>
    public const int MaxIdentifierLength = 256;

    /// <summary>
    /// A session or round id: required, printable ASCII without spaces (a UUID upstream, <c>{session}:r{n}</c> here) and
    /// at most <see cref="MaxIdentifierLength"/> characters. It goes back to the server in the model update, its
    /// idempotency header and log lines, so a hostile one is refused here, naming the field, rather than when a header
    /// cannot carry it.
    /// </summary>
    private static string Identifier(JsonElement root, string name)
    {
        var text = RequiredString(root, name);
        if (text.Length > MaxIdentifierLength)
            throw new TaskConfigException($"config.{name} exceeds {MaxIdentifierLength} characters");
        foreach (var c in text)
            if (c is < '!' or > '~')
                throw new TaskConfigException($"config.{name} must be printable ASCII without spaces, got character U+{(int)c:X4}");
        return text;
    }

    private static JsonElement Object(JsonElement root, string name) => JsonFields.Field(root, name) switch
    {
        null => throw new TaskConfigException($"config.{name} is required"),
        { ValueKind: JsonValueKind.Object } value => value,
        _ => throw new TaskConfigException($"config.{name} must be a JSON object"),
    };

}
