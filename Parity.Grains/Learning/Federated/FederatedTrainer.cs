using System.Diagnostics;
using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;

namespace Parity.Learning.Federated;

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
}

public sealed record FederatedMetadata(
    string ModelType, string DatasetCid, string DataFormat, int FeatureCount, int SampleCount, PartitionInfo PartitionInfo);

public sealed record PartitionInfo(string Strategy, int TotalParts, int PartIndex, int Rows);

public sealed record ForestMetrics(IReadOnlyList<double> FeatureImportance, double? OobScore, int TreeCount);

/// <summary>A finished local run: the update to submit, and the trained model's evaluation on other data.</summary>
public sealed record FederatedRun(FederatedUpdate Update, Func<Dataset, ModelEvaluation> Evaluate);

/// <summary>
/// The federated training entry point every runner (and <c>parity-runner train</c>) calls: validate the task config,
/// take this participant's partition of the dataset, train from the global model, and return the model update.
/// </summary>
public static class FederatedTrainer
{
    /// <summary>What a runner calls with a task's config and the dataset it fetched.</summary>
    public static FederatedRun Train(string configJson, byte[] datasetBytes, CancellationToken cancellation = default)
    {
        var config = FederatedTaskConfig.Parse(configJson);
        var dataset = DatasetReader.Read(datasetBytes, config.DataFormat);
        return Train(config, dataset, cancellation);
    }

    /// <param name="dataset">The whole dataset; every participant loads it and takes its own part.</param>
    public static FederatedRun Train(FederatedTaskConfig config, Dataset dataset, CancellationToken cancellation = default)
    {
        var part = Partitioner.Apply(dataset, config.Partition);
        var clock = Stopwatch.StartNew();
        var local = config.ModelType switch
        {
            FederatedModelType.NeuralNetwork => TrainNetwork(config, dataset, part, cancellation),
            FederatedModelType.LinearRegression => TrainLinear(config, part, cancellation),
            _ => TrainForest(config, dataset, part),
        };
        var modelType = FederatedTaskConfig.WireName(config.ModelType);
        var partition = config.Partition;
        var update = new FederatedUpdate
        {
            SessionId = config.SessionId,
            RoundId = config.RoundId,
            ModelType = modelType,
            Weights = local.Weights,
            Gradients = local.Gradients,
            Forest = local.Forest,
            Loss = local.Evaluation.Loss,
            Accuracy = local.Evaluation.Accuracy,
            RSquared = local.Evaluation.RSquared,
            MeanSquaredError = local.Evaluation.MeanSquaredError,
            DataSize = part.Rows,
            TrainingTimeMs = (long)clock.Elapsed.TotalMilliseconds,
            Metadata = new FederatedMetadata(modelType, config.DatasetCid, config.DataFormat == DatasetFormat.Json ? "json" : "csv",
                part.Columns, part.Rows,
                new PartitionInfo(PartitionConfig.WireName(partition.Strategy), partition.TotalParts, partition.PartIndex, part.Rows)),
            RfMetrics = local.Forest is null ? null : local.ForestMetrics,
        };
        return new FederatedRun(update, local.Evaluate);
    }

    private sealed record LocalResult(
        IReadOnlyDictionary<string, float[]> Weights,
        IReadOnlyDictionary<string, float[]> Gradients,
        ModelEvaluation Evaluation,
        Func<Dataset, ModelEvaluation> Evaluate,
        string? Forest = null,
        ForestMetrics? ForestMetrics = null);

    private static LocalResult TrainNetwork(FederatedTaskConfig config, Dataset dataset, Dataset part, CancellationToken cancellation)
    {
        var options = MlpOptions.FromJson(config.TrainConfig, config.ModelConfig, config.Partition.Seed);
        // Every participant must build the same output layer, whatever classes its own part happens to hold.
        if (options.Task == MlpTask.Classification && options.ClassCount is null)
            options = options with { ClassCount = ClassCountOf(dataset) };
        var global = config.GlobalModel is { } model ? GlobalModelJson.ReadWeights(model) : null;
        var result = new MlpTrainer(options).Train(part, global, cancellation);
        return new LocalResult(result.Weights, result.Gradients, result.Model.Evaluate(part), data => result.Model.Evaluate(data));
    }

    private static LocalResult TrainLinear(FederatedTaskConfig config, Dataset part, CancellationToken cancellation)
    {
        var options = LinearRegressionOptions.FromJson(config.TrainConfig, config.ModelConfig, config.Partition.Seed);
        var global = config.GlobalModel is { } model ? GlobalModelJson.ReadWeights(model) : null;
        var result = LinearRegression.Train(part, options, global, cancellation);
        return new LocalResult(result.Weights, result.Gradients, result.Model.Evaluate(part), data => result.Model.Evaluate(data));
    }

    private static LocalResult TrainForest(FederatedTaskConfig config, Dataset dataset, Dataset part)
    {
        var options = ForestOptionsFromJson(config.ModelConfig, config.Partition.Seed);
        // Classes of the whole dataset, so every participant's forest votes over the same classes.
        var forest = new ForestTrainer(options).Fit(part, classes: ForestData.ClassesOf(dataset));
        var importances = forest.FeatureImportances;
        var noUpdate = new Dictionary<string, float[]>();
        return new LocalResult(
            new Dictionary<string, float[]> { ["feature_importance"] = importances.Select(v => (float)v).ToArray() },
            noUpdate,
            Evaluate(forest, part),
            data => Evaluate(forest, data),
            Convert.ToBase64String(ForestSerializer.Serialize(forest)),
            new ForestMetrics(importances, forest.OobScore, forest.Trees.Count));
    }

    private static ModelEvaluation Evaluate(RandomForest forest, Dataset data)
    {
        var accuracy = forest.Score(data);
        return new ModelEvaluation(1 - accuracy, accuracy, null);
    }

    private static int ClassCountOf(Dataset dataset)
    {
        if (dataset.ClassNames is { Count: > 0 } names) return Math.Max(2, names.Count);
        var max = 0f;
        foreach (var label in dataset.Labels.Span) max = Math.Max(max, label);
        return Math.Max(2, (int)max + 1);
    }

    /// <summary>
    /// The forest's <c>model_config</c>: scikit-learn names, or the reference's (num_trees, subsample,
    /// bootstrap_samples). The number of trees is required; the rest default as scikit-learn does.
    /// </summary>
    public static ForestOptions ForestOptionsFromJson(JsonElement modelConfig, long? sessionSeed)
    {
        JsonElement? config = modelConfig;
        var trees = ConfigJson.Int32(config, "n_estimators") ?? ConfigJson.Int32(config, "num_trees")
            ?? throw ConfigJson.Missing("num_trees");
        var options = new ForestOptions
        {
            Trees = trees,
            MaxDepth = ConfigJson.Int32(config, "max_depth") is { } depth && depth > 0 ? depth : null,
            MinSamplesSplit = CountOrFractionOf(config, "min_samples_split") ?? 2,
            MinSamplesLeaf = CountOrFractionOf(config, "min_samples_leaf") ?? 1,
            MaxFeatures = MaxFeaturesOf(config),
            Criterion = ConfigJson.String(config, "criterion") switch
            {
                null or "gini" => SplitCriterion.Gini,
                "entropy" => SplitCriterion.Entropy,
                var other => throw ConfigJson.Invalid("criterion", $"criterion must be gini or entropy, got {other}"),
            },
            Bootstrap = ConfigJson.Boolean(config, "bootstrap") ?? ConfigJson.Boolean(config, "bootstrap_samples") ?? true,
            MaxSamples = CountOrFractionOf(config, "max_samples")
                         ?? (ConfigJson.Number(config, "subsample") is { } subsample && subsample < 1 ? CountOrFraction.OfFraction(subsample) : null),
            MinImpurityDecrease = ConfigJson.Number(config, "min_impurity_decrease") ?? 0,
            RandomState = ConfigJson.Int64(config, "random_state") is { } state and not 0 ? state : sessionSeed
                ?? throw ConfigJson.Missing("random_state"),
            OobScore = ConfigJson.Boolean(config, "oob_score") ?? false,
            MaxBins = ConfigJson.Int32(config, "max_bins") ?? 256,
        };
        options.Validate();
        return options;
    }

    private static MaxFeatures MaxFeaturesOf(JsonElement? config)
    {
        if (ConfigJson.Field(config, "max_features") is { } value)
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => MaxFeatures.Parse(value.GetString()),
                JsonValueKind.Number when value.TryGetInt32(out var count) && count > 0 => MaxFeatures.OfCount(count),
                JsonValueKind.Number when value.TryGetDouble(out var fraction) && fraction is > 0 and <= 1 => MaxFeatures.OfFraction(fraction),
                // The reference's "≤ 0 means use max_features_strategy".
                JsonValueKind.Number when value.TryGetDouble(out var none) && none <= 0 => MaxFeatures.Parse(ConfigJson.String(config, "max_features_strategy") ?? "sqrt"),
                _ => throw ConfigJson.Invalid("max_features", $"max_features must be sqrt, log2, all, a count or a fraction, got {value.GetRawText()}"),
            };
        }
        return MaxFeatures.Parse(ConfigJson.String(config, "max_features_strategy") ?? "sqrt");
    }

    private static CountOrFraction? CountOrFractionOf(JsonElement? config, string name) => ConfigJson.Field(config, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var count) => CountOrFraction.OfCount(count),
        { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var fraction) => CountOrFraction.OfFraction(fraction),
        var e => throw ConfigJson.Invalid(name, $"{name} must be a count or a fraction, got {e.Value.GetRawText()}"),
    };
}
