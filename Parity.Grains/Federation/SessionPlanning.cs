using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Json;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;

namespace Parity.Federation;

/// <summary>
/// What a session fixes at start and sends each round, as pure functions of its spec and dataset: the parts and their
/// rows, the initial global model (the very weights every runner would draw from the session seed), each round task's
/// config, and the global model's evaluation on a test set.
/// </summary>
public static class SessionPlanning
{
    /// <summary>The partition a participant takes: every participant gets the same config but its index.</summary>
    public static PartitionConfig Partition(FlSessionSpec spec, int parts, int index) => new()
    {
        Strategy = PartitionConfig.ParseStrategy(spec.TrainingData.SplitStrategy),
        TotalParts = parts,
        PartIndex = index,
        Alpha = spec.TrainingData.Alpha,
        MinSamples = spec.TrainingData.MinSamples,
        OverlapRatio = spec.TrainingData.OverlapRatio ?? 0,
        Seed = spec.Seed,
    };

    /// <summary>Rows in each of <paramref name="parts"/> parts, as the runners will compute them.</summary>
    /// <exception cref="ModelConfigException">A part would hold fewer than min_samples rows, or the strategy cannot split this data.</exception>
    public static int[] PartRows(FlSessionSpec spec, Dataset dataset, int parts) =>
        Partitioner.SelectAll(dataset.Labels.Span, Partition(spec, parts, 0)).Select(rows => rows.Length).ToArray();

    /// <summary>
    /// The model before round 1: the network the runners would initialise from the session seed (the whole dataset's
    /// classes), or zeros for linear regression. Null for forests, which have no weights to start from.
    /// </summary>
    public static Dictionary<string, float[]>? InitialWeights(FlSessionSpec spec, Dataset dataset)
    {
        switch (spec.ModelType)
        {
            case FederatedModelType.NeuralNetwork:
                var options = NetworkOptions(spec);
                var outputs = options.Task == MlpTask.Classification ? options.ClassCount ?? MlpTrainer.ImpliedClassCount(dataset) : 1;
                return MlpModel.Create(options.Task, dataset.Columns, options.HiddenSizes, outputs, options.Activation, options.Seed,
                    options.Initialization).GetWeights();
            case FederatedModelType.LinearRegression:
                return new LinearRegressionModel(0f, new float[dataset.Columns]).GetWeights();
            default:
                return null;
        }
    }

    /// <summary>The config of the round task for one participant: the upstream's shape (UPSTREAM.md §7.2) plus <c>participant</c>.</summary>
    /// <param name="forest">A forest session's global forest, sent only for federated evaluation (forests train from scratch).</param>
    /// <param name="evaluateOnly">The final evaluation: score the global model on the held-out rows, train nothing.</param>
    /// <param name="rehearsal">The rehearsal before round 1 (<see cref="FederatedTaskConfig.Rehearsal"/>).</param>
    public static string TaskConfig(FlSessionSpec spec, string sessionId, string roundId, int parts, int index, string participant,
        IReadOnlyDictionary<string, float[]>? global, float? proximalMu, byte[]? forest = null, bool evaluateOnly = false, bool rehearsal = false)
    {
        using var config = JsonDocument.Parse(spec.Config);
        var train = FlSessionRequest.TrainConfig(config.RootElement, spec.Seed);
        if (proximalMu is { } mu) train["proximal_mu"] = mu;
        var partition = Partition(spec, parts, index);
        var node = new JsonObject
        {
            ["session_id"] = sessionId,
            ["round_id"] = roundId,
            ["model_type"] = FederatedTaskConfig.WireName(spec.ModelType),
            ["dataset_cid"] = spec.TrainingData.DatasetCid,
            ["data_format"] = spec.TrainingData.DataFormat,
            ["model_config"] = JsonNode.Parse(config.RootElement.GetProperty("model_config").GetRawText()),
            ["partition_config"] = new JsonObject
            {
                ["strategy"] = PartitionConfig.WireName(partition.Strategy),
                ["total_parts"] = parts,
                ["part_index"] = index,
                ["alpha"] = partition.Alpha,
                ["min_samples"] = partition.MinSamples,
                ["overlap_ratio"] = partition.OverlapRatio,
                ["seed"] = spec.Seed,
            },
            ["train_config"] = train,
            ["output_format"] = "json",
            ["global_model"] = global is not null ? JsonSerializer.SerializeToNode(global, ParityJson.Options)
                : forest is not null ? new JsonObject { ["forest"] = Convert.ToBase64String(forest) } : null,
            ["participant"] = participant,
        };
        if (spec.EvaluationFraction is { } fraction) node["evaluation_fraction"] = fraction;
        if (evaluateOnly) node["evaluate_only"] = true;
        if (rehearsal) node["rehearsal"] = true;
        return node.ToJsonString();
    }

    /// <summary>Rows a participant with <paramref name="rows"/> rows holds out for federated evaluation; null without it.</summary>
    public static int? HeldOutRows(FlSessionSpec spec, int rows) =>
        spec.EvaluationFraction is { } fraction ? HeldOutSplit.Size(rows, fraction) : null;

    /// <summary>Rows a participant trains on: its part less its held-out rows (the <c>data_size</c> its update must claim).</summary>
    public static int TrainingRows(FlSessionSpec spec, int rows) => rows - (HeldOutRows(spec, rows) ?? 0);

    /// <summary>Every part must be able to hold out a row and still train on one.</summary>
    /// <exception cref="SessionInputException">A part is too small, named with its rows.</exception>
    public static void CheckHeldOut(FlSessionSpec spec, IReadOnlyList<int> rows)
    {
        if (spec.EvaluationFraction is not { } fraction) return;
        for (var i = 0; i < rows.Count; i++)
            if (rows[i] < 2)
                throw new SessionInputException(
                    $"config.evaluation_fraction: part {i} has {rows[i]} row(s); holding out {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)} " +
                    "of a part needs at least 2 rows (one held out, one to train on): lower the participants or raise training_data.metadata.min_samples");
    }

    /// <summary>The global model on a test set: accuracy for classifiers, R² and MSE for regression.</summary>
    public static FlRoundMetrics Evaluate(FlSessionSpec spec, IReadOnlyDictionary<string, float[]>? weights, RandomForest? forest,
        Dataset test, int trainColumns)
    {
        if (test.Columns != trainColumns)
            throw new DatasetException($"the test set has {test.Columns} features, the training data {trainColumns}");
        ModelEvaluation evaluation;
        switch (spec.ModelType)
        {
            case FederatedModelType.NeuralNetwork:
                var options = NetworkOptions(spec);
                var outputs = options.Task == MlpTask.Classification ? weights!["output_bias"].Length : 1;
                evaluation = MlpModel.FromWeights(options.Task, test.Columns, options.HiddenSizes, outputs, options.Activation, weights!)
                    .Evaluate(test);
                break;
            case FederatedModelType.LinearRegression:
                evaluation = LinearRegressionModel.FromWeights(weights!, test.Columns).Evaluate(test);
                break;
            default:
                var accuracy = forest!.Score(test);
                evaluation = new ModelEvaluation(1 - accuracy, accuracy, null);
                break;
        }
        return new FlRoundMetrics
        {
            TestLoss = evaluation.Loss,
            TestAccuracy = evaluation.Accuracy,
            TestRSquared = evaluation.RSquared,
            TestMeanSquaredError = evaluation.MeanSquaredError,
            TestRows = test.Rows,
        };
    }

    private static MlpOptions NetworkOptions(FlSessionSpec spec)
    {
        using var config = JsonDocument.Parse(spec.Config);
        using var train = JsonDocument.Parse(FlSessionRequest.TrainConfig(config.RootElement, spec.Seed).ToJsonString());
        return MlpOptions.FromJson(train.RootElement, config.RootElement.GetProperty("model_config"), spec.Seed);
    }
}
