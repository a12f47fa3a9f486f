using System.Diagnostics;
using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;

namespace Parity.Federation;

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
    /// <param name="part">This participant's part when the caller already took it (the same as <see cref="Partitioner.Apply"/> gives).</param>
    public static FederatedRun Train(FederatedTaskConfig config, Dataset dataset, CancellationToken cancellation = default, Dataset? part = null)
    {
        part ??= Partitioner.Apply(dataset, config.Partition);
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
        var options = config.NetworkOptions();
        // Every participant must build the same output layer, whatever classes its own part happens to hold.
        if (options.Task == MlpTask.Classification && options.ClassCount is null)
            options = options with { ClassCount = MlpTrainer.ImpliedClassCount(dataset) };
        var global = config.GlobalModel is { } model ? GlobalModelJson.ReadWeights(model) : null;
        var result = new MlpTrainer(options).Train(part, global, cancellation);
        return new LocalResult(result.Weights, result.Gradients, result.Model.Evaluate(part), data => result.Model.Evaluate(data));
    }

    private static LocalResult TrainLinear(FederatedTaskConfig config, Dataset part, CancellationToken cancellation)
    {
        var options = config.LinearOptions();
        var global = config.GlobalModel is { } model ? GlobalModelJson.ReadWeights(model) : null;
        var result = LinearRegression.Train(part, options, global, cancellation);
        return new LocalResult(result.Weights, result.Gradients, result.Model.Evaluate(part), data => result.Model.Evaluate(data));
    }

    private static LocalResult TrainForest(FederatedTaskConfig config, Dataset dataset, Dataset part)
    {
        var options = config.ForestOptions();
        // Classes of the whole dataset, so every participant's forest votes over the same classes.
        var forest = new ForestTrainer(options).Fit(part, classes: ForestTrainer.ImpliedClasses(dataset));
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
}
