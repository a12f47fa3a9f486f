using Parity.Learning.Data;

namespace Parity.Learning.Models;

/// <summary>Checks and metrics shared by the trainers.</summary>
internal static class Training
{
    /// <summary>Rejects empty data and NaN or infinite features and labels before any training.</summary>
    public static void CheckData(Dataset data)
    {
        if (data.Rows == 0) throw new ModelConfigException("the training data has no rows", "data");
        var bad = WeightSet.IndexOfNonFinite(data.Features.Span);
        if (bad >= 0)
            throw new ModelConfigException(
                $"the training data has a non-finite feature at row {bad / data.Columns}, column {bad % data.Columns}", "data");
        bad = WeightSet.IndexOfNonFinite(data.Labels.Span);
        if (bad >= 0) throw new ModelConfigException($"the training data has a non-finite label at row {bad}", "labels");
    }

    /// <param name="batch">1-based, or 0 when the evaluation after the epoch found it.</param>
    public static TrainingDivergedException Diverged(int epoch, int epochs, int batch, int batches, float learningRate,
        string what) => new(
        $"training diverged in epoch {epoch} of {epochs}" + (batch > 0 ? $", batch {batch} of {batches}" : "") +
        $": {what}; lower learning_rate (now {learningRate})", epoch, batch);

    /// <summary>1 − SSE / Σ(y − ȳ)²; null when the labels are all equal.</summary>
    public static double? RSquared(double squaredError, ReadOnlySpan<float> labels)
    {
        if (labels.IsEmpty) return null;
        double mean = 0;
        foreach (var label in labels) mean += label;
        mean /= labels.Length;
        double total = 0;
        foreach (var label in labels) total += (label - mean) * (label - mean);
        return total == 0 ? null : 1 - squaredError / total;
    }
}
