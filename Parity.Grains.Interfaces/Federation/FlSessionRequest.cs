using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Json;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;
using Parity.Storage;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// Parses <c>POST /api/v1/federated-learning/sessions</c> (UPSTREAM.md §7.1 plus Parity's fields). Strict where the
/// upstream was lax: every training parameter the model needs must be given (<c>config.learning_rate is required</c>),
/// never defaulted; the model's own parameters are checked now by the engine that will train with them. Every failure
/// is a <see cref="TaskConfigException"/> naming the field. Checks that need the cluster (the strategy's parameters,
/// the dataset behind the CID, the runners) are the session grain's.
/// </summary>
public static class FlSessionRequest
{
    public const int MaxRounds = 10_000;
    public const int MaxParticipants = 256;
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 4_000;
    /// <summary>When <c>round_timeout_seconds</c> is not given: a round's deadline, an operational setting, not a training one.</summary>
    public static readonly TimeSpan DefaultRoundTimeout = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan MaxRoundTimeout = TimeSpan.FromDays(1);

    /// <summary>The training keys the session passes to the runners' trainers, besides the three required ones.</summary>
    private static readonly string[] LocalTrainerKeys =
        ["optimizer", "momentum", "nesterov", "beta_1", "beta_2", "epsilon", "alpha"];

    /// <summary>The fields the request takes at its top; any other is refused, naming it and the nearest valid one.</summary>
    public static IReadOnlyList<string> Fields { get; } =
    [
        "name", "description", "model_type", "total_rounds", "min_participants", "training_data", "config", "participants",
        "external_participants", "quorum", "round_timeout_seconds", "test_dataset_cid", "seed", "creator_address",
    ];

    /// <summary>A session's fields only the server sets (they are in its view): refused in a request.</summary>
    public static IReadOnlyDictionary<string, string> ServerOwnedFields { get; } = new Dictionary<string, string>
    {
        ["id"] = "", ["status"] = "", ["current_round"] = "", ["participant_count"] = "", ["created_at"] = "",
        ["updated_at"] = "", ["completed_at"] = "", ["error"] = "", ["rounds"] = "",
    };

    /// <summary>
    /// <c>training_data</c>'s fields; <c>dataset_size</c>, <c>features</c> and <c>labels</c> are the upstream client's,
    /// taken so that its requests pass (the dataset itself is read, so its size is not needed, and choosing columns is refused).
    /// </summary>
    public static IReadOnlyList<string> TrainingDataFields { get; } =
        ["dataset_cid", "data_format", "split_strategy", "metadata", "dataset_size", "features", "labels"];

    public static IReadOnlyList<string> MetadataFields { get; } = ["min_samples", "alpha", "overlap_ratio"];

    /// <summary>
    /// The parameters the aggregation strategies read from <c>config</c> (the session grain's strategy catalogue checks
    /// each method's; a test keeps the two lists together).
    /// </summary>
    public static IReadOnlyList<string> StrategyParameters { get; } =
        ["server_learning_rate", "server_momentum", "proximal_mu", "beta_1", "beta_2", "tau", "beta", "num_malicious", "num_selected"];

    /// <summary><c>config</c>'s fields: the session's own, the strategies' parameters, and the upstream client's <c>client_selection</c>.</summary>
    public static IReadOnlyList<string> ConfigFields { get; } =
    [
        "aggregation_method", "model_config", "local_epochs", "batch_size", "learning_rate", "max_update_norm", "privacy_config",
        "train_config", "client_selection", "evaluation_fraction", .. StrategyParameters,
    ];

    /// <summary><c>config.privacy_config</c>'s fields: the upstream client's, and Parity's differential-privacy parameters.</summary>
    public static IReadOnlyList<string> PrivacyFields => FlPrivacyRequest.Fields;

    /// <param name="newSeed">The seed to record when the request names none (the session shows it).</param>
    public static FlSessionSpec Parse(JsonElement root, Func<long> newSeed)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new TaskConfigException("the session must be a JSON object");
        RefuseUnknownFields(root);
        var name = Required(root, "name", "");
        if (name.Length > MaxNameLength)
            throw new TaskConfigException($"name must be at most {MaxNameLength} characters, got {name.Length}");
        var modelType = ParseModelType(Required(root, "model_type", ""));
        var totalRounds = PositiveInt(root, "total_rounds", "", MaxRounds) ?? throw new TaskConfigException("total_rounds is required");
        var minParticipants = PositiveInt(root, "min_participants", "", MaxParticipants)
                              ?? throw new TaskConfigException("min_participants is required");
        if (modelType == FederatedModelType.RandomForest && totalRounds != 1)
            throw new TaskConfigException(
                $"total_rounds must be 1 for random_forest, got {totalRounds}: a forest is trained once and its trees merged");

        var data = TrainingData(ObjectField(root, "training_data", "") ?? throw new TaskConfigException("training_data is required"));
        var config = ObjectField(root, "config", "") ?? throw new TaskConfigException("config is required");
        var method = Required(config, "aggregation_method", "config.").ToLowerInvariant();
        var modelConfig = ObjectField(config, "model_config", "config.") ?? throw new TaskConfigException("config.model_config is required");
        if (!modelConfig.EnumerateObject().Any()) throw new TaskConfigException("config.model_config must not be empty");
        var maxUpdateNorm = JsonFields.Number(config, "max_update_norm", "config.");
        if (maxUpdateNorm is <= 0)
            throw new TaskConfigException($"config.max_update_norm must be positive, got {maxUpdateNorm.Value.ToString(CultureInfo.InvariantCulture)}");
        // No default: without it the session runs no federated evaluation (said in the README and PROTOCOL.md).
        var evaluationFraction = JsonFields.Number(config, "evaluation_fraction", "config.");
        if (evaluationFraction is { } fraction && !(fraction > 0 && fraction <= 0.5))
            throw new TaskConfigException(
                $"config.evaluation_fraction must be in (0, 0.5], got {fraction.ToString(CultureInfo.InvariantCulture)}");

        var seed = Int64(root, "seed") ?? newSeed();
        CheckTraining(modelType, config, modelConfig, seed);

        var selector = JsonFields.Field(root, "participants") is { ValueKind: JsonValueKind.Object } select ? Selector(select) : null;
        var participants = selector is null ? Names(root, "participants") : null;
        var external = Names(root, "external_participants");
        if (participants is not null && participants.Count + (external?.Count ?? 0) < minParticipants)
            throw new TaskConfigException(
                $"participants names {participants.Count + (external?.Count ?? 0)} runners, fewer than min_participants ({minParticipants})");
        if (external is not null && participants?.FirstOrDefault(external.Contains) is { } both)
            throw new TaskConfigException($"external_participants: {JsonFields.Excerpt(both)} is also named in participants");
        if ((participants?.Count ?? 0) + (external?.Count ?? 0) > MaxParticipants)
            throw new TaskConfigException($"participants and external_participants: at most {MaxParticipants} in all");
        var privacy = FlPrivacyRequest.Parse(config, modelType, method, minParticipants, external is { Count: > 0 });
        var secure = FlPrivacyRequest.SecureAggregation(config, modelType, method, external is { Count: > 0 }, maxUpdateNorm, privacy);
        if (secure && minParticipants < 2)
            throw new TaskConfigException("config.privacy_config.secure_aggregation needs min_participants ≥ 2: with one participant its sum is its update");
        var quorum = Quorum(root) ?? new FlQuorum { Count = minParticipants };
        if (quorum.Count is { } count && participants is { } named && count > named.Count + (external?.Count ?? 0))
            throw new TaskConfigException($"quorum {count} is more than the {named.Count + (external?.Count ?? 0)} participants named");
        var timeout = PositiveInt(root, "round_timeout_seconds", "", (int)MaxRoundTimeout.TotalSeconds) is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : DefaultRoundTimeout;
        var testCid = JsonFields.String(root, "test_dataset_cid", "")?.Trim();
        if (testCid is not null) CheckCid(testCid, "test_dataset_cid");

        return new FlSessionSpec
        {
            Name = name,
            Description = Bounded(JsonFields.String(root, "description", "") ?? "", "description", MaxDescriptionLength),
            ModelType = modelType,
            TotalRounds = totalRounds,
            MinParticipants = minParticipants,
            CreatorAddress = JsonFields.String(root, "creator_address", "")?.Trim() is { Length: > 0 } creator
                ? Bounded(creator, "creator_address", MaxNameLength) : null,
            TrainingData = data,
            Config = config.GetRawText(),
            AggregationMethod = method,
            RoundTimeout = timeout,
            Quorum = quorum,
            Participants = participants,
            ExternalParticipants = external,
            Selector = selector,
            MaxUpdateNorm = maxUpdateNorm,
            EvaluationFraction = evaluationFraction,
            TestDatasetCid = testCid,
            Seed = seed,
            Privacy = privacy,
            SecureAggregation = secure,
        };
    }

    /// <summary>
    /// Refuses fields the request does not take, at every level it owns (<c>model_config</c> and <c>train_config</c>
    /// are the engines' and checked by them), and the upstream client's fields that would ask for what is not done.
    /// </summary>
    private static void RefuseUnknownFields(JsonElement root)
    {
        KnownFields.Check(root, "", Fields, ServerOwnedFields);
        // A field of the wrong kind is left to the parse below, which names it.
        if (JsonFields.Field(root, "training_data") is { ValueKind: JsonValueKind.Object } data)
        {
            KnownFields.Check(data, "training_data.", TrainingDataFields);
            if (JsonFields.Field(data, "metadata") is { ValueKind: JsonValueKind.Object } metadata) KnownFields.Check(metadata, "training_data.metadata.", MetadataFields);
            foreach (var columns in (ReadOnlySpan<string>)["features", "labels"])
                if (JsonFields.Field(data, columns) is { } list && !(list.ValueKind == JsonValueKind.Array && list.GetArrayLength() == 0))
                    throw new TaskConfigException(
                        $"training_data.{columns}: choosing columns is not supported (the whole dataset is trained on); send it empty or leave it out");
        }
        if (JsonFields.Field(root, "config") is not { ValueKind: JsonValueKind.Object } config) return;
        KnownFields.Check(config, "config.", ConfigFields);
        if (JsonFields.Field(config, "privacy_config") is { ValueKind: JsonValueKind.Object } privacy) KnownFields.Check(privacy, "config.privacy_config.", PrivacyFields);
        if (JsonFields.Field(config, "client_selection") is { } selection && !(selection.ValueKind == JsonValueKind.String && selection.GetString()!.Length == 0))
            throw new TaskConfigException("config.client_selection is not supported: choose runners with participants; send it empty or leave it out");
    }

    public static FederatedModelType ParseModelType(string value) => value.ToLowerInvariant() switch
    {
        "neural_network" or "nn" or "mlp" => FederatedModelType.NeuralNetwork,
        "linear_regression" or "linear" => FederatedModelType.LinearRegression,
        "random_forest" or "rf" => FederatedModelType.RandomForest,
        var other => throw new TaskConfigException(
            $"model_type: unsupported model_type: {JsonFields.Excerpt(other)} (expected neural_network, linear_regression or random_forest)"),
    };

    /// <summary>
    /// The <c>train_config</c> a round task carries: the session's <c>local_epochs</c>, <c>batch_size</c> and
    /// <c>learning_rate</c>, the session seed, and the local trainer's optional keys found in <c>config.train_config</c>.
    /// </summary>
    public static JsonObject TrainConfig(JsonElement config, long seed)
    {
        var train = new JsonObject();
        if (JsonFields.Field(config, "local_epochs") is { } epochs) train["epochs"] = JsonNode.Parse(epochs.GetRawText());
        if (JsonFields.Field(config, "batch_size") is { } batch) train["batch_size"] = JsonNode.Parse(batch.GetRawText());
        if (JsonFields.Field(config, "learning_rate") is { } rate) train["learning_rate"] = JsonNode.Parse(rate.GetRawText());
        train["seed"] = seed;
        if (JsonFields.Field(config, "train_config") is { ValueKind: JsonValueKind.Object } extra)
            foreach (var key in LocalTrainerKeys)
                if (JsonFields.Field(extra, key) is { } value) train[key] = JsonNode.Parse(value.GetRawText());
        return train;
    }

    private static void CheckTraining(FederatedModelType type, JsonElement config, JsonElement modelConfig, long seed)
    {
        if (JsonFields.Field(config, "train_config") is { } extra)
        {
            if (extra.ValueKind != JsonValueKind.Object) throw new TaskConfigException("config.train_config must be a JSON object");
            foreach (var property in extra.EnumerateObject())
                if (!LocalTrainerKeys.Contains(property.Name))
                    throw new TaskConfigException(
                        $"config.train_config.{JsonFields.Excerpt(property.Name)} is not a local training key" +
                        (ConfigKeys.Nearest(property.Name, LocalTrainerKeys) is { } nearest ? $" (did you mean {nearest}?)" : "") +
                        $"; expected one of {string.Join(", ", LocalTrainerKeys)}");
        }
        if (type == FederatedModelType.RandomForest)
        {
            Engine(() => ForestOptionsJson.FromJson(modelConfig, seed), "config.model_config.");
            return;
        }
        foreach (var required in (ReadOnlySpan<string>)["learning_rate", "batch_size", "local_epochs"])
            if (JsonFields.Field(config, required) is null) throw new TaskConfigException($"config.{required} is required");
        using var train = JsonDocument.Parse(TrainConfig(config, seed).ToJsonString());
        Engine(() => type == FederatedModelType.NeuralNetwork
            ? (object)MlpOptions.FromJson(train.RootElement, modelConfig, seed)
            : LinearRegressionOptions.FromJson(train.RootElement, modelConfig, seed), null);
    }

    /// <summary>Runs an engine's validator; its error names the session's field (<c>config.local_epochs</c> for <c>epochs</c>).</summary>
    private static void Engine(Func<object> validate, string? prefix)
    {
        try
        {
            validate();
        }
        catch (ModelConfigException e)
        {
            var field = e.Field switch
            {
                null => prefix?.TrimEnd('.') ?? "config",
                _ when prefix is not null => prefix + e.Field,
                "epochs" => "config.local_epochs",
                "learning_rate" or "batch_size" => "config." + e.Field,
                var other when LocalTrainerKeys.Contains(other) => "config.train_config." + other,
                var other => "config.model_config." + other,
            };
            throw new TaskConfigException($"{field}: {e.Message}");
        }
    }

    private static FlTrainingData TrainingData(JsonElement data)
    {
        var cid = Required(data, "dataset_cid", "training_data.");
        CheckCid(cid, "training_data.dataset_cid");
        var format = Required(data, "data_format", "training_data.").ToLowerInvariant();
        if (format is not ("csv" or "json"))
            throw new TaskConfigException($"training_data.data_format: unsupported data_format: {JsonFields.Excerpt(format)} (expected csv or json)");
        var strategy = Required(data, "split_strategy", "training_data.").ToLowerInvariant();
        try
        {
            PartitionConfig.ParseStrategy(strategy);
        }
        catch (ModelConfigException)
        {
            throw new TaskConfigException($"training_data.split_strategy: unsupported split_strategy: {JsonFields.Excerpt(strategy)} " +
                                          "(expected random, iid, stratified, sequential, non_iid, dirichlet or label_skew)");
        }
        var metadata = ObjectField(data, "metadata", "training_data.")
                       ?? throw new TaskConfigException("training_data.metadata is required (min_samples at least)");
        var minSamples = PositiveInt(metadata, "min_samples", "training_data.metadata.", int.MaxValue)
                         ?? throw new TaskConfigException("training_data.metadata.min_samples is required");
        var alpha = JsonFields.Number(metadata, "alpha", "training_data.metadata.");
        var overlap = JsonFields.Number(metadata, "overlap_ratio", "training_data.metadata.");
        // The partition's own rules (alpha for non_iid, overlap in [0, 1)), checked as a runner will check them.
        try
        {
            new PartitionConfig
            {
                Strategy = PartitionConfig.ParseStrategy(strategy),
                TotalParts = 1,
                PartIndex = 0,
                Alpha = alpha,
                MinSamples = minSamples,
                OverlapRatio = overlap ?? 0,
                Seed = 0,
            }.Validate();
        }
        catch (ModelConfigException e)
        {
            throw new TaskConfigException($"training_data.metadata.{e.Field ?? "alpha"}: {e.Message}");
        }
        return new FlTrainingData
        {
            DatasetCid = cid,
            DataFormat = format,
            SplitStrategy = strategy,
            Alpha = alpha,
            MinSamples = minSamples,
            OverlapRatio = overlap,
        };
    }

    private static IReadOnlyList<string>? Names(JsonElement root, string field)
    {
        if (JsonFields.Field(root, field) is not { } list) return null;
        if (list.ValueKind != JsonValueKind.Array) throw new TaskConfigException($"{field} must be an array of runner names");
        // Counted before any name is read: a hostile list of many thousand names must not cost a comparison of each with each.
        if (list.GetArrayLength() > MaxParticipants)
            throw new TaskConfigException($"{field}: at most {MaxParticipants} runners, got {list.GetArrayLength()}");
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString()!.Trim() is not { Length: > 0 and <= 128 } runner)
                throw new TaskConfigException($"{field}[{index}] must be a runner name (1-128 characters)");
            if (!seen.Add(runner))
                throw new TaskConfigException($"{field}[{index}]: runner {JsonFields.Excerpt(runner)} is named twice");
            names.Add(runner);
            index++;
        }
        return names;
    }

    private static FlParticipantSelector Selector(JsonElement select)
    {
        foreach (var property in select.EnumerateObject())
            if (property.Name is not ("compute" or "count"))
                throw new TaskConfigException(
                    $"participants.{JsonFields.Excerpt(property.Name)}: a selector takes compute and count (or give runner names as an array)");
        var compute = JsonFields.String(select, "compute", "participants.")?.Trim().ToLowerInvariant();
        if (compute is not null && !FlParticipantSelector.ComputePaths.Contains(compute))
            throw new TaskConfigException(
                $"participants.compute: {JsonFields.Excerpt(compute)} is not a compute path (expected {string.Join(", ", FlParticipantSelector.ComputePaths)})");
        return new FlParticipantSelector { Compute = compute, Count = PositiveInt(select, "count", "participants.", MaxParticipants) };
    }

    private static FlQuorum? Quorum(JsonElement root)
    {
        if (JsonFields.Field(root, "quorum") is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            throw new TaskConfigException("quorum must be a count of participants (an integer ≥ 1) or a fraction of them (0 < q ≤ 1.0)");
        // As written: 2 is a count, 0.5 and 1.0 are fractions.
        var raw = value.GetRawText();
        if (raw.Contains('.') || raw.Contains('e') || raw.Contains('E'))
            return number is > 0 and <= 1
                ? new FlQuorum { Fraction = number }
                : throw new TaskConfigException(string.Create(CultureInfo.InvariantCulture,
                    $"quorum {raw}: a fraction must be in (0, 1.0]; a count is written as an integer"));
        return value.TryGetInt32(out var count) && count is >= 1 and <= MaxParticipants
            ? new FlQuorum { Count = count }
            : throw new TaskConfigException($"quorum {raw}: a count must be from 1 to {MaxParticipants}");
    }

    private static string Bounded(string value, string field, int max) =>
        value.Length <= max ? value : throw new TaskConfigException($"{field} must be at most {max} characters, got {value.Length}");

    private static void CheckCid(string cid, string field)
    {
        if (!Cid.TryParse(cid, out _, out var error))
            throw new TaskConfigException($"{field} '{JsonFields.Excerpt(cid)}' is not a CID: {error}");
    }

    private static string Required(JsonElement obj, string name, string prefix)
    {
        var text = JsonFields.String(obj, name, prefix)?.Trim();
        return string.IsNullOrEmpty(text) ? throw new TaskConfigException($"{prefix}{name} is required") : text;
    }

    private static JsonElement? ObjectField(JsonElement obj, string name, string prefix) => JsonFields.Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } value => value,
        _ => throw new TaskConfigException($"{prefix}{name} must be a JSON object"),
    };

    private static int? PositiveInt(JsonElement obj, string name, string prefix, int max)
    {
        var value = JsonFields.PositiveInt(obj, name, prefix);
        return value > max ? throw new TaskConfigException($"{prefix}{name} must be at most {max}, got {value}") : value;
    }

    private static long? Int64(JsonElement obj, string name) => JsonFields.Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var value) => value,
        _ => throw new TaskConfigException($"{name} must be a 64-bit integer"),
    };
}
