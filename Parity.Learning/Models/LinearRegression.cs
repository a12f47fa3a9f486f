using System.Numerics.Tensors;
using System.Text.Json;
using Parity.Learning.Data;
using Parity.Learning.Partitioning;

namespace Parity.Learning.Models;

/// <summary>How to fit a <see cref="LinearRegressionModel"/> by mini-batch gradient descent (no defaults but alpha).</summary>
public sealed record LinearRegressionOptions
{
    public required int Epochs { get; init; }

    /// <summary>In (0, <see cref="MlpOptions.MaxLearningRate"/>].</summary>
    public required float LearningRate { get; init; }

    public required int BatchSize { get; init; }

    /// <summary>Seeds the per-epoch shuffles.</summary>
    public required long Seed { get; init; }

    /// <summary>L2 penalty <c>alpha/2 · ‖w‖²</c> on the coefficients (the intercept is not penalised).</summary>
    public float Alpha { get; init; }

    /// <summary>
    /// FedProx's proximal weight μ (Li et al. 2020): training descends the objective plus <c>μ/2 · ‖w − w_anchor‖²</c>
    /// over the coefficients and the intercept. The anchor is the global model given to <see cref="LinearRegression.Train"/>,
    /// or, when none is given (a first round), the zero starting point. 0, the default, is plain training.
    /// </summary>
    public float ProximalMu { get; init; }

    /// <summary>When set (upstream's <c>model_config.input_size</c>), the data must have this many features.</summary>
    public int? InputSize { get; init; }

    /// <summary>
    /// Options from a task's <c>train_config</c> (<c>epochs</c>, <c>learning_rate</c>, <c>batch_size</c>, <c>seed</c>;
    /// optional <c>alpha</c>, <c>proximal_mu</c>) and <c>model_config</c> (optional <c>input_size</c>, and
    /// <c>fit_intercept</c>, which must be true: the model always has an intercept). An unknown key is refused, naming
    /// the nearest valid one; the reference's <c>output_size</c> and <c>model_type</c> are accepted and ignored.
    /// </summary>
    /// <param name="defaultSeed">Used when train_config has no seed (upstream servers send none).</param>
    public static IReadOnlyList<string> TrainKeys { get; } =
        ["epochs", "learning_rate", "batch_size", "seed", "alpha", "proximal_mu"];

    public static IReadOnlyList<string> ModelKeys { get; } = ["input_size", "fit_intercept"];

    public static LinearRegressionOptions FromJson(JsonElement trainConfig, JsonElement? modelConfig, long? defaultSeed = null)
    {
        if (trainConfig.ValueKind != JsonValueKind.Object)
            throw ConfigJson.Invalid("train_config", "train_config must be a JSON object");
        ConfigKeys.RejectUnknown(trainConfig, "train_config", TrainKeys);
        ConfigKeys.RejectUnknown(modelConfig, "model_config", ModelKeys, ["output_size", "model_type"]);
        if (ConfigJson.Boolean(modelConfig, "fit_intercept") == false)
            throw ConfigJson.Invalid("fit_intercept", "fit_intercept must be true: the linear model always has an intercept");
        var options = new LinearRegressionOptions
        {
            Epochs = ConfigJson.Int32(trainConfig, "epochs") ?? throw ConfigJson.Missing("epochs"),
            LearningRate = ConfigJson.Number(trainConfig, "learning_rate") ?? throw ConfigJson.Missing("learning_rate"),
            BatchSize = ConfigJson.Int32(trainConfig, "batch_size") ?? throw ConfigJson.Missing("batch_size"),
            Seed = ConfigJson.Int64(trainConfig, "seed") ?? defaultSeed ?? throw ConfigJson.Missing("seed"),
            Alpha = ConfigJson.Number(trainConfig, "alpha") ?? 0f,
            ProximalMu = ConfigJson.Number(trainConfig, "proximal_mu") ?? 0f,
            InputSize = ConfigJson.Int32(modelConfig, "input_size"),
        };
        options.Validate();
        return options;
    }

    public void Validate()
    {
        if (Epochs < 1) throw Invalid("epochs", $"epochs must be at least 1, got {Epochs}");
        if (Epochs > MlpOptions.MaxEpochs) throw Invalid("epochs", $"epochs must be at most {MlpOptions.MaxEpochs}, got {Epochs}");
        if (!(LearningRate > 0 && LearningRate <= MlpOptions.MaxLearningRate))
            throw Invalid("learning_rate", $"learning_rate must be in (0, {MlpOptions.MaxLearningRate}], got {LearningRate}");
        if (BatchSize < 1) throw Invalid("batch_size", $"batch_size must be at least 1, got {BatchSize}");
        if (!(Alpha >= 0 && float.IsFinite(Alpha))) throw Invalid("alpha", $"alpha must be zero or positive, got {Alpha}");
        if (!(ProximalMu >= 0 && float.IsFinite(ProximalMu)))
            throw Invalid("proximal_mu", $"proximal_mu must be zero or positive, got {ProximalMu}");
        if (InputSize is < 1) throw Invalid("input_size", $"input_size must be at least 1, got {InputSize}");
    }

    private static ModelConfigException Invalid(string field, string problem) =>
        new($"invalid training configuration: {problem}", field);
}

/// <summary><c>ŷ = intercept + x · coefficients</c>.</summary>
public sealed class LinearRegressionModel
{
    /// <summary>The wire key: one array <c>[intercept, w1, …, wd]</c>, as upstream sends it.</summary>
    public const string WeightsKey = "linear_weights";

    private readonly float[] _coefficients;

    public LinearRegressionModel(float intercept, ReadOnlySpan<float> coefficients)
    {
        if (coefficients.IsEmpty)
            throw new ArgumentException("a linear model needs at least one coefficient", nameof(coefficients));
        Intercept = intercept;
        _coefficients = coefficients.ToArray();
    }

    public float Intercept { get; private set; }

    public ReadOnlySpan<float> Coefficients => _coefficients;

    public int FeatureCount => _coefficients.Length;

    /// <summary>A model from <c>linear_weights</c>, checked to hold 1 + <paramref name="featureCount"/> finite values.</summary>
    public static LinearRegressionModel FromWeights(IReadOnlyDictionary<string, float[]> weights, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var values = WeightSet.Take(weights, WeightsKey, featureCount + 1, $"intercept + {featureCount} coefficients");
        WeightSet.RejectUnknownKeys(weights, [WeightsKey]);
        return new LinearRegressionModel(values[0], values.AsSpan(1));
    }

    public Dictionary<string, float[]> GetWeights() => new() { [WeightsKey] = [Intercept, .. _coefficients] };

    public float Predict(ReadOnlySpan<float> features) => Intercept + TensorPrimitives.Dot(features, _coefficients);

    /// <summary>Half the mean squared error as <see cref="ModelEvaluation.Loss"/>, the mean squared error, and R².</summary>
    public ModelEvaluation Evaluate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckColumns(data);
        double squaredError = 0;
        for (var r = 0; r < data.Rows; r++)
        {
            double error = Predict(data.Row(r)) - data.Label(r);
            squaredError += error * error;
        }
        var rows = Math.Max(1, data.Rows);
        return new ModelEvaluation(0.5 * squaredError / rows, null, Training.RSquared(squaredError, data.Labels.Span),
            squaredError / rows);
    }

    internal void CheckColumns(Dataset data)
    {
        if (data.Columns != FeatureCount)
            throw new ArgumentException($"the data has {data.Columns} features, the model {FeatureCount}", nameof(data));
    }

    internal Span<float> MutableCoefficients => _coefficients;

    internal void SetIntercept(float value) => Intercept = value;
}

/// <summary>Fits linear regressions: exactly (ridge normal equations) or by mini-batch gradient descent.</summary>
public static class LinearRegression
{
    private const long ShuffleStream = 2;

    /// <summary>
    /// The minimiser of <c>1/(2n) Σ (y − b − x·w)² + alpha/2 · ‖w‖²</c>, with an unpenalised intercept, by Cholesky
    /// on the centred normal equations <c>(XcᵀXc + n·alpha·I) w = Xcᵀyc</c> in double precision; <c>b = ȳ − x̄·w</c>.
    /// This is the same objective <see cref="Train"/> descends, so gradient descent converges to it.
    /// </summary>
    /// <exception cref="ModelConfigException">The features are linearly dependent (or constant) and alpha is 0.</exception>
    public static LinearRegressionModel SolveExact(Dataset data, double alpha = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(alpha >= 0 && double.IsFinite(alpha)))
            throw new ModelConfigException($"alpha must be zero or positive, got {alpha}", "alpha");
        Training.CheckData(data);
        int n = data.Rows, d = data.Columns;
        var means = new double[d];
        double labelMean = 0;
        for (var r = 0; r < n; r++)
        {
            var row = data.Row(r);
            for (var j = 0; j < d; j++) means[j] += row[j];
            labelMean += data.Label(r);
        }
        for (var j = 0; j < d; j++) means[j] /= n;
        labelMean /= n;

        var gram = new double[d, d];
        var rhs = new double[d];
        var centred = new double[d];
        for (var r = 0; r < n; r++)
        {
            var row = data.Row(r);
            for (var j = 0; j < d; j++) centred[j] = row[j] - means[j];
            var y = data.Label(r) - labelMean;
            for (var i = 0; i < d; i++)
            {
                rhs[i] += centred[i] * y;
                for (var j = 0; j <= i; j++) gram[i, j] += centred[i] * centred[j];
            }
        }
        for (var i = 0; i < d; i++) gram[i, i] += n * alpha;

        var w = SolveCholesky(gram, rhs);
        var intercept = labelMean;
        for (var j = 0; j < d; j++) intercept -= means[j] * w[j];
        return new LinearRegressionModel((float)intercept, w.Select(v => (float)v).ToArray());
    }

    /// <summary>
    /// Mini-batch gradient descent on <c>1/(2n) Σ (y − ŷ)² + alpha/2 · ‖w‖²</c> from zeros or from
    /// <paramref name="globalWeights"/>, shuffling every epoch with the seed; with
    /// <see cref="LinearRegressionOptions.ProximalMu"/> &gt; 0 it adds FedProx's <c>μ/2 · ‖(b, w) − (b, w)_start‖²</c>,
    /// anchored to the global model, or to the zero start when none is given.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The loss or a weight became NaN or infinite.</exception>
    public static TrainingResult<LinearRegressionModel> Train(Dataset data, LinearRegressionOptions options,
        IReadOnlyDictionary<string, float[]>? globalWeights = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Training.CheckData(data);
        int n = data.Rows, d = data.Columns;
        if (options.InputSize is { } inputSize && inputSize != d)
            throw new ModelConfigException($"input_size is {inputSize} but the data has {d} features", "input_size");
        var model = globalWeights is null
            ? new LinearRegressionModel(0f, new float[d])
            : LinearRegressionModel.FromWeights(globalWeights, d);
        var start = model.GetWeights();

        var batchSize = Math.Min(options.BatchSize, n);
        var batches = (n + batchSize - 1) / batchSize;
        var order = Enumerable.Range(0, n).ToArray();
        var random = new SeededRandom(options.Seed, ShuffleStream);
        var weights = model.MutableCoefficients;
        var gradient = new float[d];
        // FedProx's anchor: [intercept, coefficients] as training starts, i.e. the global model, or zeros when none is
        // given (a first round). Null at μ = 0, so plain training does no extra work and keeps its exact bits.
        var proximal = options.ProximalMu > 0
            ? new ProximalTerm(options.ProximalMu, [[model.Intercept], weights.ToArray()])
            : null;
        var history = new List<double>(options.Epochs + 1) { Objective(model, data, options.Alpha) };
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            random.Shuffle(order.AsSpan());
            for (var batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var first = batch * batchSize;
                var count = Math.Min(batchSize, n - first);
                gradient.AsSpan().Clear();
                double interceptGradient = 0, loss = 0;
                for (var i = first; i < first + count; i++)
                {
                    var row = data.Row(order[i]);
                    var error = model.Predict(row) - data.Label(order[i]);
                    loss += 0.5 * (double)error * error;
                    interceptGradient += error;
                    TensorPrimitives.MultiplyAdd(row, error, gradient, gradient);
                }
                if (!double.IsFinite(loss))
                    throw Training.Diverged(epoch, options.Epochs, batch + 1, batches, options.LearningRate,
                        $"the batch loss is {loss / count}");

                // w ← w − η (gradient / count + alpha · w + μ · (w − w_anchor)); b ← b − η (Σ error / count + μ · (b − b_anchor)).
                // The intercept takes the proximal term (FedProx anchors every parameter) but not alpha's penalty.
                // The history and the reported loss stay without the proximal term, comparable across strategies.
                TensorPrimitives.Multiply(gradient, 1f / count, gradient);
                if (options.Alpha != 0) TensorPrimitives.MultiplyAdd(weights, options.Alpha, gradient, gradient);
                var interceptStep = interceptGradient / count;
                if (proximal is not null)
                {
                    proximal.AddTo(1, weights, gradient);
                    interceptStep += proximal.Scalar(0, model.Intercept);
                }
                TensorPrimitives.MultiplyAdd(gradient, -options.LearningRate, weights, weights);
                model.SetIntercept(model.Intercept - options.LearningRate * (float)interceptStep);
                if (!WeightSet.AllFinite(weights) || !float.IsFinite(model.Intercept))
                    throw Training.Diverged(epoch, options.Epochs, batch + 1, batches, options.LearningRate,
                        $"a value of {LinearRegressionModel.WeightsKey} became non-finite");
            }

            var objective = Objective(model, data, options.Alpha);
            if (!double.IsFinite(objective))
                throw Training.Diverged(epoch, options.Epochs, 0, batches, options.LearningRate,
                    $"the loss after the epoch is {objective}");
            history.Add(objective);
        }

        var result = model.GetWeights();
        return new TrainingResult<LinearRegressionModel>
        {
            Model = model,
            Weights = result,
            Gradients = WeightSet.Difference(result, start),
            Loss = history[^1],
            RSquared = model.Evaluate(data).RSquared,
            SampleCount = n,
            LossHistory = history,
        };
    }

    private static double Objective(LinearRegressionModel model, Dataset data, float alpha)
    {
        var loss = model.Evaluate(data).Loss;
        return alpha == 0 ? loss : loss + 0.5 * alpha * TensorPrimitives.SumOfSquares(model.Coefficients);
    }

    /// <summary>Solves <c>A x = b</c> for symmetric positive definite A given by its lower triangle.</summary>
    private static double[] SolveCholesky(double[,] a, double[] b)
    {
        var d = b.Length;
        var largestDiagonal = 0.0;
        for (var i = 0; i < d; i++) largestDiagonal = Math.Max(largestDiagonal, a[i, i]);
        // A pivot this small against the largest diagonal entry means the column adds nothing new.
        var tolerance = Math.Max(largestDiagonal, double.Epsilon) * 1e-12;

        var l = new double[d, d];
        for (var j = 0; j < d; j++)
        {
            var pivot = a[j, j];
            for (var k = 0; k < j; k++) pivot -= l[j, k] * l[j, k];
            if (!(pivot > tolerance))
                throw new ModelConfigException(
                    $"the features are linearly dependent or constant (feature {j} is a combination of earlier ones); " +
                    "the exact solve needs alpha > 0", "alpha");
            l[j, j] = Math.Sqrt(pivot);
            for (var i = j + 1; i < d; i++)
            {
                var sum = a[i, j];
                for (var k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                l[i, j] = sum / l[j, j];
            }
        }

        var y = new double[d];
        for (var i = 0; i < d; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++) sum -= l[i, k] * y[k];
            y[i] = sum / l[i, i];
        }
        var x = new double[d];
        for (var i = d - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < d; k++) sum -= l[k, i] * x[k];
            x[i] = sum / l[i, i];
        }
        return x;
    }
}
