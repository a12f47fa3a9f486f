using System.Text.Json;

namespace Parity.Learning.Models;

public enum MlpTask
{
    /// <summary>Softmax outputs, one per class, trained on cross-entropy. Labels are class indices 0..k−1.</summary>
    Classification,
    /// <summary>One linear output trained on half the squared error.</summary>
    Regression,
}

public enum OptimizerKind
{
    /// <summary>Mini-batch SGD, with optional (Nesterov) momentum.</summary>
    Sgd,
    Adam,
}

/// <summary>
/// How to train an <see cref="MlpModel"/>. Epochs, learning rate, batch size, seed, task and hidden sizes have no
/// defaults; the optimizer settings default to plain SGD (momentum 0), and Adam's to β₁ 0.9, β₂ 0.999, ε 1e-8.
/// </summary>
public sealed record MlpOptions
{
    /// <summary>Largest accepted learning rate (the reference runner's bound).</summary>
    public const float MaxLearningRate = 1f;

    /// <summary>Most epochs: more passes than this over one participant's data is a typo (2^31−1), not a plan, and the
    /// loss history keeps one value per epoch.</summary>
    public const int MaxEpochs = 100_000;

    /// <summary>Widest hidden layer: wider than any layer a CPU runner trains in useful time, and small enough that a
    /// layer's sizes multiply without overflowing.</summary>
    public const int MaxHiddenSize = 100_000;

    /// <summary>Most hidden layers.</summary>
    public const int MaxHiddenLayers = 64;

    /// <summary>Most weights and biases in a network: 400 MB per copy of the parameters, and training keeps five to
    /// eight copies (gradients, optimizer state, the start and the update).</summary>
    public const long MaxParameters = 100_000_000;

    /// <summary>Most classes of a classifier (the output layer's width).</summary>
    public const int MaxClassCount = 100_000;

    public required MlpTask Task { get; init; }

    /// <summary>Widths of the hidden layers, input side first (<c>[hidden_size]</c> for the upstream network). May be
    /// empty: softmax or linear regression.</summary>
    public required IReadOnlyList<int> HiddenSizes { get; init; }

    public Activation Activation { get; init; } = Activation.Relu;

    /// <summary>Weight initialisation (model_config.init): glorot (default) or he.</summary>
    public Initialization Initialization { get; init; } = Initialization.Glorot;

    public required int Epochs { get; init; }

    /// <summary>In (0, <see cref="MaxLearningRate"/>].</summary>
    public required float LearningRate { get; init; }

    /// <summary>Rows per mini-batch; a batch larger than the data is the whole data.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Seeds the initialisation and the per-epoch shuffles.</summary>
    public required long Seed { get; init; }

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>SGD momentum in [0, 1); 0 is plain SGD.</summary>
    public float Momentum { get; init; }

    /// <summary>SGD with Nesterov's look-ahead momentum.</summary>
    public bool Nesterov { get; init; }

    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.999f;

    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>L2 penalty: the objective adds <c>alpha/2 · Σ w²</c> over all weights (not biases).</summary>
    public float Alpha { get; init; }

    /// <summary>
    /// FedProx's proximal weight μ (Li et al. 2020): local training descends the data objective plus
    /// <c>μ/2 · ‖w − w_anchor‖²</c> over every weight and bias. The anchor is the global model given to
    /// <see cref="MlpTrainer.Train"/>, or, when none is given (a first round), the seeded initialisation. 0, the default,
    /// is plain training and costs nothing.
    /// </summary>
    public float ProximalMu { get; init; }

    /// <summary>Classes of a classifier; null takes the global model's output width, else the dataset's class names,
    /// else the largest label + 1. Federated participants should all be given it, since a partition may lack classes.</summary>
    public int? ClassCount { get; init; }

    /// <summary>Threads for the matrix products; 0 uses every core. Results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>Bytes training may use; null takes what the process has (<see cref="MemoryBudget.Available"/>).</summary>
    public long? AvailableMemoryBytes { get; init; }

    /// <summary>
    /// Options from a task's <c>train_config</c> (<c>epochs</c>, <c>learning_rate</c>, <c>batch_size</c>, <c>seed</c>;
    /// optional <c>optimizer</c> sgd|adam, <c>momentum</c>, <c>nesterov</c>, <c>beta_1</c>, <c>beta_2</c>,
    /// <c>epsilon</c>, <c>alpha</c>, <c>proximal_mu</c>) and <c>model_config</c> (<c>hidden_size</c>, or <c>hidden_sizes</c> for several
    /// layers; optional <c>activation</c>, <c>init</c>, <c>task</c> classification|regression, <c>class_count</c>).
    /// An unknown key is refused, naming the nearest valid one; the reference's <c>input_size</c>, <c>output_size</c>
    /// and <c>model_type</c> are accepted and ignored (the sizes come from the data, the type from the task).
    /// </summary>
    /// <param name="defaultSeed">Used when train_config has no seed (upstream servers send none).</param>
    public static IReadOnlyList<string> TrainKeys { get; } =
        ["epochs", "learning_rate", "batch_size", "seed", "optimizer", "momentum", "nesterov", "beta_1", "beta_2",
         "epsilon", "alpha", "proximal_mu"];

    public static IReadOnlyList<string> ModelKeys { get; } =
        ["hidden_size", "hidden_sizes", "activation", "init", "task", "class_count"];

    /// <summary>Keys the reference runner's configs carry that mean nothing to this trainer.</summary>
    public static IReadOnlyList<string> ReferenceModelKeys { get; } = ["input_size", "output_size", "model_type"];

    public static MlpOptions FromJson(JsonElement trainConfig, JsonElement? modelConfig, long? defaultSeed = null)
    {
        if (trainConfig.ValueKind != JsonValueKind.Object)
            throw ConfigJson.Invalid("train_config", "train_config must be a JSON object");
        ConfigKeys.RejectUnknown(trainConfig, "train_config", TrainKeys);
        ConfigKeys.RejectUnknown(modelConfig, "model_config", ModelKeys, ReferenceModelKeys);
        var hidden = ConfigJson.Int32Array(modelConfig, "hidden_sizes")
            ?? (ConfigJson.Int32(modelConfig, "hidden_size") is { } size ? [size] : throw ConfigJson.Missing("hidden_size"));
        var options = new MlpOptions
        {
            Task = ConfigJson.String(modelConfig, "task") switch
            {
                null or "classification" => MlpTask.Classification,
                "regression" => MlpTask.Regression,
                var other => throw ConfigJson.Invalid("task", $"task must be classification or regression, got {other}"),
            },
            HiddenSizes = hidden,
            Activation = ConfigJson.String(modelConfig, "activation") switch
            {
                null or "relu" => Activation.Relu,
                "tanh" => Activation.Tanh,
                "sigmoid" or "logistic" => Activation.Sigmoid,
                "identity" => Activation.Identity,
                var other => throw ConfigJson.Invalid("activation",
                    $"activation must be relu, tanh, sigmoid or identity, got {other}"),
            },
            Initialization = ConfigJson.String(modelConfig, "init") switch
            {
                null or "glorot" or "xavier" => Initialization.Glorot,
                "he" => Initialization.He,
                var other => throw ConfigJson.Invalid("init", $"init must be glorot or he, got {other}"),
            },
            Epochs = ConfigJson.Int32(trainConfig, "epochs") ?? throw ConfigJson.Missing("epochs"),
            LearningRate = ConfigJson.Number(trainConfig, "learning_rate") ?? throw ConfigJson.Missing("learning_rate"),
            BatchSize = ConfigJson.Int32(trainConfig, "batch_size") ?? throw ConfigJson.Missing("batch_size"),
            Seed = ConfigJson.Int64(trainConfig, "seed") ?? defaultSeed ?? throw ConfigJson.Missing("seed"),
            Optimizer = ConfigJson.String(trainConfig, "optimizer") switch
            {
                null or "sgd" => OptimizerKind.Sgd,
                "adam" => OptimizerKind.Adam,
                var other => throw ConfigJson.Invalid("optimizer", $"optimizer must be sgd or adam, got {other}"),
            },
            Momentum = ConfigJson.Number(trainConfig, "momentum") ?? 0f,
            Nesterov = ConfigJson.Boolean(trainConfig, "nesterov") ?? false,
            Beta1 = ConfigJson.Number(trainConfig, "beta_1") ?? 0.9f,
            Beta2 = ConfigJson.Number(trainConfig, "beta_2") ?? 0.999f,
            Epsilon = ConfigJson.Number(trainConfig, "epsilon") ?? 1e-8f,
            Alpha = ConfigJson.Number(trainConfig, "alpha") ?? 0f,
            ProximalMu = ConfigJson.Number(trainConfig, "proximal_mu") ?? 0f,
            ClassCount = ConfigJson.Int32(modelConfig, "class_count"),
        };
        options.Validate();
        return options;
    }

    public void Validate()
    {
        if (!Enum.IsDefined(Task)) throw Invalid("task", $"unknown task {(int)Task}");
        if (HiddenSizes is null) throw Invalid("hidden_size", "hidden_size is required");
        var hiddenField = HiddenSizes.Count == 1 ? "hidden_size" : "hidden_sizes";
        if (HiddenSizes.Count > MaxHiddenLayers)
            throw Invalid("hidden_sizes", $"hidden_sizes may have at most {MaxHiddenLayers} layers, got {HiddenSizes.Count}");
        for (var i = 0; i < HiddenSizes.Count; i++)
        {
            if (HiddenSizes[i] < 1)
                throw Invalid("hidden_size", $"hidden_size must be at least 1, got {HiddenSizes[i]} for hidden layer {i + 1}");
            if (HiddenSizes[i] > MaxHiddenSize)
                throw Invalid(hiddenField,
                    $"{hiddenField} must be at most {MaxHiddenSize}, got {HiddenSizes[i]} for hidden layer {i + 1}");
        }
        // The weights between hidden layers are known before the data is: refuse a network too big whatever its input.
        long between = 0;
        for (var i = 0; i + 1 < HiddenSizes.Count; i++) between += (long)HiddenSizes[i] * HiddenSizes[i + 1];
        if (between > MaxParameters)
            throw Invalid("hidden_sizes",
                $"hidden_sizes [{string.Join(", ", HiddenSizes)}] make {between} weights between hidden layers, more than " +
                $"the {MaxParameters} parameters a network may have");
        if (!Enum.IsDefined(Activation)) throw Invalid("activation", $"unknown activation {(int)Activation}");
        if (Epochs < 1) throw Invalid("epochs", $"epochs must be at least 1, got {Epochs}");
        if (Epochs > MaxEpochs) throw Invalid("epochs", $"epochs must be at most {MaxEpochs}, got {Epochs}");
        if (!(LearningRate > 0 && LearningRate <= MaxLearningRate))
            throw Invalid("learning_rate", $"learning_rate must be in (0, {MaxLearningRate}], got {LearningRate}");
        if (BatchSize < 1) throw Invalid("batch_size", $"batch_size must be at least 1, got {BatchSize}");
        if (!Enum.IsDefined(Optimizer)) throw Invalid("optimizer", $"unknown optimizer {(int)Optimizer}");
        if (!(Momentum >= 0 && Momentum < 1)) throw Invalid("momentum", $"momentum must be in [0, 1), got {Momentum}");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw Invalid("beta_1", $"beta_1 must be in [0, 1), got {Beta1}");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw Invalid("beta_2", $"beta_2 must be in [0, 1), got {Beta2}");
        if (!(Epsilon > 0 && float.IsFinite(Epsilon))) throw Invalid("epsilon", $"epsilon must be positive, got {Epsilon}");
        if (!(Alpha >= 0 && float.IsFinite(Alpha))) throw Invalid("alpha", $"alpha must be zero or positive, got {Alpha}");
        if (!(ProximalMu >= 0 && float.IsFinite(ProximalMu)))
            throw Invalid("proximal_mu", $"proximal_mu must be zero or positive, got {ProximalMu}");
        if (ClassCount is < 2) throw Invalid("class_count", $"class_count must be at least 2, got {ClassCount}");
        if (ClassCount > MaxClassCount)
            throw Invalid("class_count", $"class_count must be at most {MaxClassCount}, got {ClassCount}");
        if (Threads < 0) throw Invalid("threads", $"threads must be zero (all cores) or positive, got {Threads}");
        if (AvailableMemoryBytes is < 0)
            throw Invalid("available_memory", $"available memory must be zero or positive, got {AvailableMemoryBytes}");
    }

    /// <summary>Weights and biases of this network on <paramref name="inputs"/> features and <paramref name="outputs"/> outputs.</summary>
    public long ParameterCount(int inputs, int outputs)
    {
        long count = 0, fanIn = inputs;
        foreach (var width in HiddenSizes.Append(outputs))
        {
            count += fanIn * width + width;
            fanIn = width;
        }
        return count;
    }

    /// <summary>
    /// Bytes that training this network on <paramref name="rows"/> rows holds at its peak: every copy of the parameters
    /// (the model, its gradients, the optimizer's state — one array for SGD, two for Adam —, the starting weights, the
    /// final weights and the update, a second gradient when a batch is split in halves, FedProx's anchor), and the
    /// per-row workspace (each layer's outputs and deltas for a batch, or for an evaluation chunk).
    /// </summary>
    public long EstimateMemoryBytes(int inputs, int outputs, int rows)
    {
        var batch = (long)Math.Min(BatchSize, Math.Max(1, rows));
        var copies = 5L + (Optimizer == OptimizerKind.Adam ? 2 : 1) + (batch >= 128 ? 1 : 0) + (ProximalMu > 0 ? 1 : 0);
        var units = HiddenSizes.Sum(h => (long)h) + outputs;
        var capacity = Math.Max(batch, Math.Min(rows, MlpModel.EvaluationChunk));
        // Outputs and deltas per layer, and the halves' own workspace for half a batch.
        var workspace = 2 * units * (capacity + (batch >= 128 ? batch - batch / 2 : 0));
        return sizeof(float) * (copies * ParameterCount(inputs, outputs) + workspace + batch * inputs);
    }

    /// <summary>Refuses, before anything is allocated, a network the data makes too big for the bounds or the memory.</summary>
    internal void CheckFits(int inputs, int outputs, int rows)
    {
        var parameters = ParameterCount(inputs, outputs);
        var shape = $"a network of {inputs} inputs, hidden layers [{string.Join(", ", HiddenSizes)}] and {outputs} outputs";
        if (parameters > MaxParameters)
            throw Invalid("hidden_sizes", $"{shape} has {parameters} parameters, more than the {MaxParameters} allowed");
        var fanIn = (long)inputs;
        var capacity = Math.Max(Math.Min(BatchSize, rows), Math.Min(rows, MlpModel.EvaluationChunk));
        foreach (var width in HiddenSizes.Append(outputs))
        {
            MemoryBudget.CheckArray(fanIn * width, "hidden_sizes", shape, "hidden_sizes");
            MemoryBudget.CheckArray((long)capacity * width, "batch_size", $"{shape} in batches of {BatchSize}", "batch_size or hidden_sizes");
            fanIn = width;
        }
        MemoryBudget.Check(EstimateMemoryBytes(inputs, outputs, rows), AvailableMemoryBytes, "hidden_sizes",
            $"{shape} ({parameters} parameters) trained with {Optimizer.ToString().ToLowerInvariant()} in batches of {Math.Min(BatchSize, rows)}",
            "hidden_sizes or batch_size");
    }

    private static ModelConfigException Invalid(string field, string problem) =>
        new($"invalid training configuration: {problem}", field);
}
