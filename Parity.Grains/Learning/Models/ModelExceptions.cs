namespace Parity.Learning.Models;

/// <summary>
/// A training configuration or a given model does not fit: a missing or out-of-range setting, or global weights whose
/// keys or shapes differ from the network being trained. <see cref="Field"/> names the config field or weight key.
/// </summary>
public sealed class ModelConfigException(string message, string? field = null) : ArgumentException(message)
{
    public string? Field { get; } = field;
}

/// <summary>
/// Training produced a non-finite loss or parameter and was stopped there, rather than returning garbage weights.
/// </summary>
public sealed class TrainingDivergedException(string message, int epoch, int batch) : InvalidOperationException(message)
{
    /// <summary>1-based epoch in which it happened.</summary>
    public int Epoch { get; } = epoch;

    /// <summary>1-based mini-batch within <see cref="Epoch"/>; 0 when found by the evaluation after the epoch.</summary>
    public int Batch { get; } = batch;
}
