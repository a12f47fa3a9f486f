using System.Numerics.Tensors;
using Parity.Learning.Compute;
using Parity.Learning.Data;
using Parity.Learning.Partitioning;

namespace Parity.Learning.Models;

/// <summary>Loss and quality of a model on a dataset.</summary>
/// <param name="Loss">Mean per-row loss (cross-entropy, or half the squared error), without the L2 penalty.</param>
/// <param name="Accuracy">Classification only.</param>
/// <param name="RSquared">Regression only; null when every label is the same.</param>
/// <param name="MeanSquaredError">Regression only.</param>
public sealed record ModelEvaluation(double Loss, double? Accuracy, double? RSquared, double? MeanSquaredError = null);

/// <summary>
/// A fully connected network: hidden layers with one <see cref="Models.Activation"/>, then softmax outputs
/// (classification) or one linear output (regression).
/// </summary>
/// <remarks>
/// Layer l holds weights of <c>LayerSizes[l] × LayerSizes[l+1]</c>, row-major with the input unit as row ([in][out], the
/// upstream layout), and one bias per output unit. A batch of rows times the weights is then a plain
/// <c>X · W</c>; the backward pass needs <c>Xᵀ · δ</c> and <c>δ · Wᵀ</c>.
/// </remarks>
public sealed class MlpModel
{
    /// <summary>Rows per forward pass when predicting or evaluating.</summary>
    internal const int EvaluationChunk = 512;

    private const long InitStream = 1;

    private readonly int[] _sizes;
    private readonly float[][] _weights;
    private readonly float[][] _biases;

    private MlpModel(MlpTask task, Activation activation, int[] sizes)
    {
        Task = task;
        Activation = activation;
        _sizes = sizes;
        _weights = new float[sizes.Length - 1][];
        _biases = new float[sizes.Length - 1][];
        for (var l = 0; l < _weights.Length; l++)
        {
            _weights[l] = new float[sizes[l] * sizes[l + 1]];
            _biases[l] = new float[sizes[l + 1]];
        }
    }

    public MlpTask Task { get; }

    public Activation Activation { get; }

    /// <summary>Input width, hidden widths, output width.</summary>
    public IReadOnlyList<int> LayerSizes => _sizes;

    public int InputSize => _sizes[0];

    public int OutputSize => _sizes[^1];

    internal int LayerCount => _weights.Length;

    internal float[][] WeightArrays => _weights;

    internal float[][] BiasArrays => _biases;

    /// <summary>
    /// A freshly initialised network, biases 0. Glorot (the default, as scikit-learn): uniform U(±√(6/(fan_in+fan_out)))
    /// for every layer. He: normal N(0, 2/fan_in) into ReLU layers, Glorot elsewhere (the output layer included).
    /// </summary>
    public static MlpModel Create(MlpTask task, int inputSize, IReadOnlyList<int> hiddenSizes, int outputSize,
        Activation activation, long seed, Initialization initialization = Initialization.Glorot)
    {
        var model = new MlpModel(task, activation, Sizes(task, inputSize, hiddenSizes, outputSize));
        var random = new SeededRandom(seed, InitStream);
        for (var l = 0; l < model.LayerCount; l++)
        {
            int fanIn = model._sizes[l], fanOut = model._sizes[l + 1];
            var weights = model._weights[l];
            if (initialization == Initialization.He && activation == Activation.Relu && l < model.LayerCount - 1)
            {
                var std = Math.Sqrt(2.0 / fanIn);
                for (var i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextNormal() * std);
            }
            else
            {
                var limit = Math.Sqrt(6.0 / (fanIn + fanOut));
                for (var i = 0; i < weights.Length; i++) weights[i] = (float)((2 * random.NextDouble() - 1) * limit);
            }
        }
        return model;
    }

    /// <summary>
    /// A network with the given weights (copied), e.g. a federated global model. Every key must be present with exactly
    /// the network's shape and finite values, and no other key may be present.
    /// </summary>
    public static MlpModel FromWeights(MlpTask task, int inputSize, IReadOnlyList<int> hiddenSizes, int outputSize,
        Activation activation, IReadOnlyDictionary<string, float[]> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var model = new MlpModel(task, activation, Sizes(task, inputSize, hiddenSizes, outputSize));
        var keys = new List<string>();
        for (var l = 0; l < model.LayerCount; l++)
        {
            var (weightKey, biasKey) = LayerKeys(l, model.LayerCount - 1);
            int fanIn = model._sizes[l], fanOut = model._sizes[l + 1];
            WeightSet.Take(weights, weightKey, fanIn * fanOut, $"{fanIn} × {fanOut}").CopyTo(model._weights[l], 0);
            WeightSet.Take(weights, biasKey, fanOut, $"{fanOut}").CopyTo(model._biases[l], 0);
            keys.Add(weightKey);
            keys.Add(biasKey);
        }
        WeightSet.RejectUnknownKeys(weights, keys);
        return model;
    }

    /// <summary>
    /// Wire keys of layer <paramref name="layer"/>. One hidden layer uses the upstream names
    /// (<c>input_to_hidden_weights</c>, <c>hidden_bias</c>, <c>hidden_to_output_weights</c>, <c>output_bias</c>); deeper
    /// networks number the hidden layers from 1 (<c>input_to_hidden1_weights</c>, <c>hidden1_bias</c>,
    /// <c>hidden1_to_hidden2_weights</c>, …, <c>hidden2_to_output_weights</c>, <c>output_bias</c>).
    /// </summary>
    public static (string Weights, string Bias) LayerKeys(int layer, int hiddenLayers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(layer, hiddenLayers);
        string Unit(int index) => index == 0 ? "input"
            : index == hiddenLayers + 1 ? "output"
            : hiddenLayers == 1 ? "hidden" : $"hidden{index}";
        return ($"{Unit(layer)}_to_{Unit(layer + 1)}_weights", $"{Unit(layer + 1)}_bias");
    }

    /// <summary>A copy of the parameters under their wire keys, layer by layer (weights, then bias).</summary>
    public Dictionary<string, float[]> GetWeights()
    {
        var result = new Dictionary<string, float[]>(2 * LayerCount);
        for (var l = 0; l < LayerCount; l++)
        {
            var (weightKey, biasKey) = LayerKeys(l, LayerCount - 1);
            result[weightKey] = _weights[l].ToArray();
            result[biasKey] = _biases[l].ToArray();
        }
        return result;
    }

    /// <summary>
    /// Outputs for <paramref name="rows"/> rows of <see cref="InputSize"/> features (row-major): class probabilities
    /// (rows × classes) or predicted values (rows × 1).
    /// </summary>
    public float[] Predict(ReadOnlyMemory<float> features, int rows, CpuGemm? gemm = null)
    {
        CheckFeatures(features, rows);
        gemm ??= CpuGemm.Default;
        var result = new float[rows * OutputSize];
        var workspace = new MlpWorkspace(_sizes, Math.Min(rows, EvaluationChunk));
        for (var start = 0; start < rows; start += EvaluationChunk)
        {
            var count = Math.Min(EvaluationChunk, rows - start);
            var output = Forward(features.Slice(start * InputSize, count * InputSize), count, workspace, gemm);
            if (Task == MlpTask.Classification) Softmax(output.AsSpan(0, count * OutputSize), count);
            output.AsSpan(0, count * OutputSize).CopyTo(result.AsSpan(start * OutputSize));
        }
        return result;
    }

    /// <summary>The most probable class of each row.</summary>
    public int[] Classify(ReadOnlyMemory<float> features, int rows, CpuGemm? gemm = null)
    {
        if (Task != MlpTask.Classification) throw new InvalidOperationException("a regression network has no classes");
        var probabilities = Predict(features, rows, gemm);
        var classes = new int[rows];
        for (var r = 0; r < rows; r++)
            classes[r] = TensorPrimitives.IndexOfMax(probabilities.AsSpan(r * OutputSize, OutputSize));
        return classes;
    }

    /// <summary>Mean loss and accuracy (classification) or R² (regression) on <paramref name="data"/>.</summary>
    public ModelEvaluation Evaluate(Dataset data, CpuGemm? gemm = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Columns != InputSize)
            throw new ArgumentException($"the data has {data.Columns} features, the network {InputSize} inputs", nameof(data));
        if (Task == MlpTask.Classification) CheckClassLabels(data.Labels.Span, OutputSize);
        var workspace = new MlpWorkspace(_sizes, Math.Min(Math.Max(1, data.Rows), EvaluationChunk));
        return Evaluate(data, workspace, gemm ?? CpuGemm.Default);
    }

    internal ModelEvaluation Evaluate(Dataset data, MlpWorkspace workspace, CpuGemm gemm)
    {
        var labels = data.Labels.Span;
        double loss = 0, squaredError = 0;
        var correct = 0;
        for (var start = 0; start < data.Rows; start += EvaluationChunk)
        {
            var count = Math.Min(EvaluationChunk, data.Rows - start);
            var output = Forward(data.Features.Slice(start * InputSize, count * InputSize), count, workspace, gemm);
            var chunkLabels = labels.Slice(start, count);
            if (Task == MlpTask.Classification)
            {
                loss += SoftmaxCrossEntropy(output.AsSpan(0, count * OutputSize), count, chunkLabels, out var chunkCorrect);
                correct += chunkCorrect;
            }
            else
            {
                var chunkError = SquaredError(output.AsSpan(0, count), chunkLabels);
                loss += 0.5 * chunkError;
                squaredError += chunkError;
            }
        }

        var rows = Math.Max(1, data.Rows);
        if (Task == MlpTask.Classification) return new ModelEvaluation(loss / rows, (double)correct / rows, null);
        return new ModelEvaluation(loss / rows, null, Training.RSquared(squaredError, labels), squaredError / rows);
    }

    /// <summary>The L2 term of the objective: <c>alpha/2 · Σ w²</c> over the weights (biases excluded).</summary>
    internal double Penalty(float alpha)
    {
        if (alpha == 0) return 0;
        double sum = 0;
        foreach (var weights in _weights) sum += TensorPrimitives.SumOfSquares(weights);
        return 0.5 * alpha * sum;
    }

    /// <summary>Forward pass of <paramref name="rows"/> rows; returns the output layer's buffer (pre-softmax).</summary>
    internal float[] Forward(ReadOnlyMemory<float> input, int rows, MlpWorkspace workspace, CpuGemm gemm)
    {
        var previous = input;
        for (var l = 0; l < LayerCount; l++)
        {
            int fanIn = _sizes[l], fanOut = _sizes[l + 1];
            var output = workspace.Outputs[l];
            // Start from the bias in every row and let the GEMM add X · W onto it (beta = 1).
            for (var r = 0; r < rows; r++) _biases[l].CopyTo(output.AsSpan(r * fanOut, fanOut));
            gemm.Multiply(MatrixOp.None, MatrixOp.None, rows, fanOut, fanIn, 1f, previous, fanIn, _weights[l], fanOut,
                1f, output, fanOut);
            if (l < LayerCount - 1) Activations.Apply(Activation, output.AsSpan(0, rows * fanOut));
            previous = output;
        }
        return workspace.Outputs[LayerCount - 1];
    }

    /// <summary>
    /// Gradients of the batch objective (mean loss + L2 penalty) into <paramref name="weightGradients"/> and
    /// <paramref name="biasGradients"/>; returns the objective. <paramref name="input"/> holds the batch rows.
    /// </summary>
    internal double ComputeGradients(ReadOnlyMemory<float> input, ReadOnlySpan<float> labels, int rows, float alpha,
        MlpWorkspace workspace, CpuGemm gemm, float[][] weightGradients, float[][] biasGradients)
    {
        var output = Forward(input, rows, workspace, gemm);
        var last = LayerCount - 1;
        var delta = workspace.Deltas[last].AsSpan(0, rows * OutputSize);
        var outputs = output.AsSpan(0, rows * OutputSize);
        double loss;
        if (Task == MlpTask.Classification)
        {
            // Softmax + cross-entropy: dL/dz = p − onehot(y).
            loss = SoftmaxCrossEntropy(outputs, rows, labels, out _);
            outputs.CopyTo(delta);
            for (var r = 0; r < rows; r++) delta[r * OutputSize + (int)labels[r]] -= 1f;
        }
        else
        {
            // Half squared error: dL/dŷ = ŷ − y.
            loss = 0.5 * SquaredError(outputs, labels);
            TensorPrimitives.Subtract(outputs, labels[..rows], delta);
        }
        TensorPrimitives.Multiply(delta, 1f / rows, delta);

        for (var l = last; l >= 0; l--)
        {
            int fanIn = _sizes[l], fanOut = _sizes[l + 1];
            var layerInput = l == 0 ? input : workspace.Outputs[l - 1];
            var layerDelta = workspace.Deltas[l];
            gemm.Multiply(MatrixOp.Transpose, MatrixOp.None, fanIn, fanOut, rows, 1f, layerInput, fanIn,
                layerDelta, fanOut, 0f, weightGradients[l], fanOut);
            if (alpha != 0) TensorPrimitives.MultiplyAdd(_weights[l], alpha, weightGradients[l], weightGradients[l]);

            var biasGradient = biasGradients[l].AsSpan();
            biasGradient.Clear();
            for (var r = 0; r < rows; r++)
                TensorPrimitives.Add(biasGradient, layerDelta.AsSpan(r * fanOut, fanOut), biasGradient);

            if (l == 0) continue;
            var previousDelta = workspace.Deltas[l - 1];
            gemm.Multiply(MatrixOp.None, MatrixOp.Transpose, rows, fanIn, fanOut, 1f, layerDelta, fanOut,
                _weights[l], fanOut, 0f, previousDelta, fanIn);
            Activations.MultiplyByDerivative(Activation, workspace.Outputs[l - 1].AsSpan(0, rows * fanIn),
                previousDelta.AsSpan(0, rows * fanIn));
        }
        return loss / rows + Penalty(alpha);
    }

    /// <summary>Labels must be whole numbers in [0, classes).</summary>
    internal static void CheckClassLabels(ReadOnlySpan<float> labels, int classes)
    {
        for (var r = 0; r < labels.Length; r++)
        {
            var label = labels[r];
            if (!(label >= 0 && label < classes && label == MathF.Floor(label)))
                throw new ModelConfigException(
                    $"label {label} of row {r} is not a class index in [0, {classes})" +
                    (label != MathF.Floor(label) ? "; for a numeric target set model_config.task to \"regression\"" : ""), "labels");
        }
    }

    private static int[] Sizes(MlpTask task, int inputSize, IReadOnlyList<int> hiddenSizes, int outputSize)
    {
        ArgumentNullException.ThrowIfNull(hiddenSizes);
        if (!Enum.IsDefined(task)) throw new ArgumentOutOfRangeException(nameof(task), task, null);
        if (inputSize < 1) throw new ModelConfigException($"the network needs at least 1 input, got {inputSize}", "input_size");
        if (task == MlpTask.Regression && outputSize != 1)
            throw new ModelConfigException($"a regression network has 1 output, got {outputSize}", "output_size");
        if (task == MlpTask.Classification && outputSize < 2)
            throw new ModelConfigException($"a classifier needs at least 2 classes, got {outputSize}", "output_size");
        foreach (var width in hiddenSizes)
        {
            if (width < 1) throw new ModelConfigException($"hidden layers need at least 1 unit, got {width}", "hidden_size");
        }
        return [inputSize, .. hiddenSizes, outputSize];
    }

    private void CheckFeatures(ReadOnlyMemory<float> features, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (features.Length != (long)rows * InputSize)
            throw new ArgumentException(
                $"features holds {features.Length} values, expected {rows} × {InputSize}", nameof(features));
    }

    /// <summary>Turns each row of logits into probabilities, in place.</summary>
    private void Softmax(Span<float> values, int rows)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * OutputSize, OutputSize);
            TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
            TensorPrimitives.Exp(row, row);
            TensorPrimitives.Divide(row, TensorPrimitives.Sum(row), row);
        }
    }

    /// <summary>
    /// Turns logits into probabilities in place and returns Σ −log p(label), computed as log Σ exp − z_label on the
    /// max-shifted logits so that it stays finite for confident wrong answers.
    /// </summary>
    private double SoftmaxCrossEntropy(Span<float> values, int rows, ReadOnlySpan<float> labels, out int correct)
    {
        double loss = 0;
        correct = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * OutputSize, OutputSize);
            var label = (int)labels[r];
            if (TensorPrimitives.IndexOfMax(row) == label) correct++;
            TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
            var shiftedLogit = row[label];
            TensorPrimitives.Exp(row, row);
            var sum = TensorPrimitives.Sum(row);
            loss += Math.Log(sum) - shiftedLogit;
            TensorPrimitives.Divide(row, sum, row);
        }
        return loss;
    }

    private static double SquaredError(ReadOnlySpan<float> predictions, ReadOnlySpan<float> labels)
    {
        double sum = 0;
        for (var r = 0; r < predictions.Length; r++)
        {
            double difference = predictions[r] - labels[r];
            sum += difference * difference;
        }
        return sum;
    }
}

/// <summary>Per-layer activation and gradient buffers for batches of up to <see cref="Capacity"/> rows.</summary>
internal sealed class MlpWorkspace
{
    public MlpWorkspace(IReadOnlyList<int> sizes, int capacity)
    {
        Capacity = capacity;
        Outputs = new float[sizes.Count - 1][];
        Deltas = new float[sizes.Count - 1][];
        for (var l = 0; l < Outputs.Length; l++)
        {
            Outputs[l] = new float[capacity * sizes[l + 1]];
            Deltas[l] = new float[capacity * sizes[l + 1]];
        }
    }

    public int Capacity { get; }

    /// <summary>Layer outputs after activation (the last layer: logits, then probabilities).</summary>
    public float[][] Outputs { get; }

    /// <summary>dObjective/d(pre-activation) per layer.</summary>
    public float[][] Deltas { get; }
}
