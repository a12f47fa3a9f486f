using System.Diagnostics;
using System.Text.Json;
using Parity.Federation.Privacy;
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
    /// <param name="privacyNoise">The noise source of client-mode differential privacy; null: the cryptographic one (tests inject a seeded one).</param>
    public static FederatedRun Train(FederatedTaskConfig config, Dataset dataset, CancellationToken cancellation = default, Dataset? part = null,
        GaussianNoise? privacyNoise = null)
    {
        part ??= Partitioner.Apply(dataset, config.Partition);
        if (config.Rehearsal) return Rehearse(config, dataset, part, cancellation);
        var clock = Stopwatch.StartNew();
        // Federated evaluation: the held-out rows score the global model as received, before anything trains, and
        // are left out of training (every round the same rows, from the session seed and this part's index).
        FederatedEvaluation? received = null;
        if (config.EvaluationFraction is { } fraction)
        {
            var (trainRows, heldOutRows) = Split(config, part, fraction);
            var heldOut = part.Subset(heldOutRows);
            part = part.Subset(trainRows);
            if (config.GlobalModel is { } global) received = EvaluateGlobal(config, dataset, global, heldOut);
        }
        if (config.EvaluateOnly) return EvaluationOnly(config, part, received!, clock);
        var local = config.ModelType switch
        {
            FederatedModelType.NeuralNetwork => TrainNetwork(config, dataset, part, cancellation),
            FederatedModelType.LinearRegression => TrainLinear(config, part, cancellation),
            _ => TrainForest(config, dataset, part),
        };
        double? belowClip = null;
        if (config.Privacy is { } privacy) (local, belowClip) = Privatize(config, privacy, local, privacyNoise ?? GaussianNoise.Secure());
        var modelType = FederatedTaskConfig.WireName(config.ModelType);
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
            Metadata = Metadata(config, part.Columns, part.Rows),
            RfMetrics = local.Forest is null ? null : local.ForestMetrics,
            GlobalEvaluation = received,
            BelowClip = belowClip,
        };
        return new FederatedRun(update, local.Evaluate);
    }

    /// <summary>
    /// A rehearsal (<see cref="FederatedTaskConfig.Rehearsal"/>): trains as a round would, on a few of the part's rows,
    /// then answers with the global weights it received and no metrics, so nothing learnt from the data leaves.
    /// </summary>
    private static FederatedRun Rehearse(FederatedTaskConfig config, Dataset dataset, Dataset part, CancellationToken cancellation)
    {
        var rows = Enumerable.Range(0, Math.Min(part.Rows, FederatedTaskConfig.RehearsalRows)).ToArray();
        var run = Train(config with { Rehearsal = false, EvaluationFraction = null }, dataset, cancellation, part.Subset(rows));
        var update = run.Update with
        {
            Weights = GlobalModelJson.ReadWeights(config.GlobalModel!.Value)!,
            Gradients = new Dictionary<string, float[]>(),
            Loss = 0, Accuracy = null, RSquared = null, MeanSquaredError = null, GlobalEvaluation = null, BelowClip = null,
        };
        return run with { Update = update };
    }

    /// <summary>This part's training and held-out rows (<see cref="HeldOutSplit"/>); a part too small is refused by name.</summary>
    public static (int[] Train, int[] HeldOut) Split(FederatedTaskConfig config, Dataset part, double fraction)
    {
        if (part.Rows < 2)
            throw new ModelConfigException(
                $"part {config.Partition.PartIndex} has {part.Rows} row(s): evaluation_fraction needs at least 2, one to hold out and one to train on",
                "evaluation_fraction");
        return HeldOutSplit.Select(part.Labels.Span, fraction, config.Partition.Seed ?? 0, config.Partition.PartIndex, config.IsClassifier);
    }

    /// <summary>The global model the task carried, scored on the held-out rows.</summary>
    private static FederatedEvaluation EvaluateGlobal(FederatedTaskConfig config, Dataset dataset, JsonElement global, Dataset heldOut)
    {
        ModelEvaluation evaluation;
        switch (config.ModelType)
        {
            case FederatedModelType.NeuralNetwork:
                var options = config.NetworkOptions();
                var weights = GlobalModelJson.ReadWeights(global)!;
                var outputs = options.Task == MlpTask.Classification
                    ? options.ClassCount ?? MlpTrainer.ImpliedClassCount(dataset) : 1;
                evaluation = MlpModel.FromWeights(options.Task, heldOut.Columns, options.HiddenSizes, outputs, options.Activation, weights)
                    .Evaluate(heldOut);
                break;
            case FederatedModelType.LinearRegression:
                evaluation = LinearRegressionModel.FromWeights(GlobalModelJson.ReadWeights(global)!, heldOut.Columns).Evaluate(heldOut);
                break;
            default:
                evaluation = Evaluate(FederatedTaskConfig.ReadForest(global), heldOut);
                break;
        }
        return new FederatedEvaluation
        {
            Rows = heldOut.Rows,
            Loss = evaluation.Loss,
            Accuracy = evaluation.Accuracy,
            RSquared = evaluation.RSquared,
            MeanSquaredError = evaluation.MeanSquaredError,
        };
    }

    /// <summary>An evaluation-only task's answer: no weights, nothing trained (<c>data_size</c> 0), the score as its loss.</summary>
    private static FederatedRun EvaluationOnly(FederatedTaskConfig config, Dataset trainPart, FederatedEvaluation received, Stopwatch clock)
    {
        var modelType = FederatedTaskConfig.WireName(config.ModelType);
        var update = new FederatedUpdate
        {
            SessionId = config.SessionId,
            RoundId = config.RoundId,
            ModelType = modelType,
            Loss = received.Loss,
            Accuracy = received.Accuracy,
            RSquared = received.RSquared,
            MeanSquaredError = received.MeanSquaredError,
            DataSize = 0,
            TrainingTimeMs = (long)clock.Elapsed.TotalMilliseconds,
            Metadata = Metadata(config, trainPart.Columns, trainedRows: 0),
            GlobalEvaluation = received,
        };
        return new FederatedRun(update, _ => throw new InvalidOperationException("an evaluation-only task trains no model"));
    }

    /// <summary>The update's metadata: what was trained on, and which part of which dataset it was.</summary>
    private static FederatedMetadata Metadata(FederatedTaskConfig config, int columns, int trainedRows)
    {
        var partition = config.Partition;
        return new FederatedMetadata(FederatedTaskConfig.WireName(config.ModelType), config.DatasetCid,
            config.DataFormat == DatasetFormat.Json ? "json" : "csv", columns, trainedRows,
            new PartitionInfo(PartitionConfig.WireName(partition.Strategy), partition.TotalParts, partition.PartIndex, trainedRows));
    }

    private sealed record LocalResult(
        IReadOnlyDictionary<string, float[]> Weights,
        IReadOnlyDictionary<string, float[]> Gradients,
        ModelEvaluation Evaluation,
        Func<Dataset, ModelEvaluation> Evaluate,
        string? Forest = null,
        ForestMetrics? ForestMetrics = null);

    /// <summary>Client-mode differential privacy: the weights sent become the global model plus the clipped, noised update.</summary>
    private static (LocalResult Local, double? BelowClip) Privatize(FederatedTaskConfig config, FederatedPrivacy privacy, LocalResult local,
        GaussianNoise noise)
    {
        var (weights, delta, indicator) = DifferentialPrivacy.PrivatizeWeights(local.Weights, GlobalModelJson.ReadWeights(config.GlobalModel!.Value)!,
            privacy.L2NormClip, privacy.NoiseStddev, privacy.CountNoiseStddev, noise);
        return (local with { Weights = weights, Gradients = delta }, indicator);
    }

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
