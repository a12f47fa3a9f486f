namespace Parity.Learning.Models;

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
