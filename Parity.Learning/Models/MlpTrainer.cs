using System.Numerics.Tensors;
using Parity.Learning.Compute;
using Parity.Learning.Data;
using Parity.Learning.Partitioning;

namespace Parity.Learning.Models;

/// <summary>
/// Trains an <see cref="MlpModel"/> by mini-batch SGD (optionally with momentum) or Adam, from a seeded initialisation or
/// from given global weights. Deterministic: the same options, data and starting weights give bit-identical results,
/// whatever <see cref="MlpOptions.Threads"/> is.
/// </summary>
public sealed class MlpTrainer
{
    private const long ShuffleStream = 2;

    /// <summary>Largest class count taken from the labels alone.</summary>
    public const int MaxImpliedClasses = 100;

    private readonly MlpOptions _options;
    private readonly CpuGemm _gemm;

    public MlpTrainer(MlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _gemm = new CpuGemm(options.Threads);
    }

    /// <summary>Trains on every row of <paramref name="data"/>.</summary>
    /// <param name="globalWeights">The global model to continue from (shape-checked), or null to start from the seed. With
    /// <see cref="MlpOptions.ProximalMu"/> &gt; 0 it is also FedProx's anchor; without it the anchor is the seeded
    /// initialisation.</param>
    /// <param name="cancellationToken">Checked before every mini-batch.</param>
    /// <exception cref="ModelConfigException">The data or the global weights do not fit the configuration.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a weight became NaN or infinite.</exception>
    public TrainingResult<MlpModel> Train(Dataset data, IReadOnlyDictionary<string, float[]>? globalWeights = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        Training.CheckData(data);
        var outputSize = _options.Task == MlpTask.Classification ? ClassCount(data, globalWeights) : 1;
        if (_options.Task == MlpTask.Classification) MlpModel.CheckClassLabels(data.Labels.Span, outputSize);
        // Now the shape is known: refuse a network too big for the bounds or the memory before allocating any of it.
        _options.CheckFits(data.Columns, outputSize, data.Rows);

        var (task, hidden, activation) = (_options.Task, _options.HiddenSizes, _options.Activation);
        var model = globalWeights is null
            ? MlpModel.Create(task, data.Columns, hidden, outputSize, activation, _options.Seed, _options.Initialization)
            : MlpModel.FromWeights(task, data.Columns, hidden, outputSize, activation, globalWeights);
        var start = model.GetWeights();

        var rows = data.Rows;
        var batchSize = Math.Min(_options.BatchSize, rows);
        var batches = (rows + batchSize - 1) / batchSize;
        var workspace = new MlpWorkspace(model.LayerSizes, Math.Max(batchSize, Math.Min(rows, MlpModel.EvaluationChunk)));
        var batchFeatures = new float[batchSize * data.Columns];
        var batchLabels = new float[batchSize];
        // Parameters and gradients in wire order: layer by layer, weights then bias.
        var weightGradients = model.WeightArrays.Select(w => new float[w.Length]).ToArray();
        var biasGradients = model.BiasArrays.Select(b => new float[b.Length]).ToArray();
        var parameters = new List<float[]>();
        var gradients = new List<float[]>();
        for (var l = 0; l < model.LayerCount; l++)
        {
            parameters.AddRange([model.WeightArrays[l], model.BiasArrays[l]]);
            gradients.AddRange([weightGradients[l], biasGradients[l]]);
        }
        var halves = batchSize >= 2 * BatchHalves.MinRows ? new BatchHalves(model, batchSize, _options.Alpha, _gemm) : null;
        var optimizer = Optimizer.Create(_options, parameters);
        // Anchored to the starting parameters: the global model when given, else the seeded initialisation (a first
        // round has no global model yet). Null at μ = 0, so plain training does no extra work.
        var proximal = _options.ProximalMu > 0 ? new ProximalTerm(_options.ProximalMu, parameters) : null;
        var random = new SeededRandom(_options.Seed, ShuffleStream);
        var order = Enumerable.Range(0, rows).ToArray();
        var features = data.Features.Span;
        var labels = data.Labels.Span;

        var evaluation = model.Evaluate(data, workspace, _gemm);
        var history = new List<double>(_options.Epochs + 1) { evaluation.Loss + model.Penalty(_options.Alpha) };
        for (var epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            random.Shuffle(order.AsSpan());
            double epochLoss = 0;
            for (var batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var first = batch * batchSize;
                var count = Math.Min(batchSize, rows - first);
                for (var r = 0; r < count; r++)
                {
                    var row = order[first + r];
                    features.Slice(row * data.Columns, data.Columns).CopyTo(batchFeatures.AsSpan(r * data.Columns));
                    batchLabels[r] = labels[row];
                }

                var loss = halves is null
                    ? model.ComputeGradients(batchFeatures.AsMemory(0, count * data.Columns), batchLabels, count,
                        _options.Alpha, workspace, _gemm, weightGradients, biasGradients)
                    : halves.Compute(batchFeatures, batchLabels, count, workspace, weightGradients, biasGradients);
                if (!double.IsFinite(loss)) throw Diverged(epoch, batch + 1, batches, $"the batch loss is {loss}");
                // The reported losses stay the data objective (with alpha's penalty, as before), never the proximal
                // term, so runs compare across aggregation strategies.
                epochLoss += loss * count;
                proximal?.AddTo(parameters, gradients);
                optimizer.Step(parameters, gradients);
                for (var p = 0; p < parameters.Count; p++)
                {
                    if (!WeightSet.AllFinite(parameters[p]))
                        throw Diverged(epoch, batch + 1, batches, $"a value of {ParameterName(model, p)} became non-finite");
                }
            }

            // As scikit-learn's loss curve: the mean of the epoch's batch losses, with no extra pass over the data.
            history.Add(epochLoss / rows);
        }

        evaluation = model.Evaluate(data, workspace, _gemm);
        var final = evaluation.Loss + model.Penalty(_options.Alpha);
        if (!double.IsFinite(final)) throw Diverged(_options.Epochs, 0, batches, $"the loss after training is {final}");

        var weights = model.GetWeights();
        return new TrainingResult<MlpModel>
        {
            Model = model,
            Weights = weights,
            Gradients = WeightSet.Difference(weights, start),
            Loss = final,
            Accuracy = evaluation.Accuracy,
            RSquared = evaluation.RSquared,
            SampleCount = rows,
            LossHistory = history,
        };
    }

    private TrainingDivergedException Diverged(int epoch, int batch, int batches, string what) =>
        Training.Diverged(epoch, _options.Epochs, batch, batches, _options.LearningRate, what);

    private static string ParameterName(MlpModel model, int parameter)
    {
        var (weights, bias) = MlpModel.LayerKeys(parameter / 2, model.LayerCount - 1);
        return parameter % 2 == 0 ? weights : bias;
    }

    /// <summary>
    /// Classes: as configured, else the global model's output width, else the dataset's class names, else the largest
    /// label + 1 (a local partition may lack the highest classes, so federated sessions should configure it).
    /// </summary>
    private int ClassCount(Dataset data, IReadOnlyDictionary<string, float[]>? globalWeights)
    {
        if (_options.ClassCount is { } configured) return configured;
        if (globalWeights is not null && globalWeights.TryGetValue("output_bias", out var outputBias) && outputBias is not null)
            return outputBias.Length;
        return ImpliedClassCount(data);
    }

    /// <summary>
    /// The classes a classifier takes from its labels alone: the class names' count, else the largest label + 1.
    /// Federated participants must all use the whole dataset's (a part may lack the highest classes).
    /// </summary>
    /// <exception cref="ModelConfigException">The labels look like a numeric target (see <see cref="MaxImpliedClasses"/>).</exception>
    public static int ImpliedClassCount(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.ClassNames is { Count: > 0 } names) return Math.Max(2, names.Count);
        var largest = 0f;
        foreach (var label in data.Labels.Span) largest = Math.Max(largest, label);
        // Numbers running into the hundreds are almost always a numeric target (diabetes' progression, 25 to 346) that
        // would silently become a classifier with one class per value; more classes than this must be asked for.
        if (largest >= MaxImpliedClasses)
            throw new ModelConfigException(
                $"the labels run up to {largest}, which would make a classifier with {largest + 1:0} classes: for a numeric " +
                $"target set model_config.task to \"regression\"; to train that many classes set model_config.class_count",
                "task");
        return Math.Max(2, (int)largest + 1);
    }
}

/// <summary>
/// A batch's gradient as the row-weighted mean of its two halves' gradients, computed side by side when the trainer
/// may use more than one thread. The split depends only on the batch, never on the thread count, so neither do the
/// results. On a small network (digits: 200 × 64 → 64 → 10) one half is too little work to split further.
/// </summary>
internal sealed class BatchHalves(MlpModel model, int batchSize, float alpha, CpuGemm gemm)
{
    /// <summary>Smallest half worth its own thread.</summary>
    public const int MinRows = 64;

    private readonly MlpWorkspace _workspace = new(model.LayerSizes, batchSize - batchSize / 2);
    private readonly float[][] _weightGradients = model.WeightArrays.Select(w => new float[w.Length]).ToArray();
    private readonly float[][] _biasGradients = model.BiasArrays.Select(b => new float[b.Length]).ToArray();

    /// <summary>Fills the gradients of the whole batch (first half's buffers given) and returns its objective.</summary>
    public double Compute(float[] features, float[] labels, int rows, MlpWorkspace workspace,
        float[][] weightGradients, float[][] biasGradients)
    {
        var columns = model.InputSize;
        int first = rows / 2, second = rows - first;
        double firstLoss = 0, secondLoss = 0;
        void First() => firstLoss = model.ComputeGradients(features.AsMemory(0, first * columns), labels.AsSpan(0, first),
            first, alpha, workspace, gemm, weightGradients, biasGradients);
        void Second() => secondLoss = model.ComputeGradients(features.AsMemory(first * columns, second * columns),
            labels.AsSpan(first, second), second, alpha, _workspace, gemm, _weightGradients, _biasGradients);
        if (gemm.Threads > 1) Parallel.Invoke(First, Second);
        else
        {
            First();
            Second();
        }

        float firstShare = (float)first / rows, secondShare = (float)second / rows;
        Combine(weightGradients, _weightGradients, firstShare, secondShare);
        Combine(biasGradients, _biasGradients, firstShare, secondShare);
        return (firstLoss * first + secondLoss * second) / rows;
    }

    private static void Combine(float[][] into, float[][] other, float intoShare, float otherShare)
    {
        for (var i = 0; i < into.Length; i++)
        {
            TensorPrimitives.Multiply(into[i], intoShare, into[i]);
            TensorPrimitives.MultiplyAdd(other[i], otherShare, into[i], into[i]);
        }
    }
}
