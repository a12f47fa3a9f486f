namespace Parity.Learning.Models;

/// <summary>What a local training run hands back for federated averaging.</summary>
public sealed record TrainingResult<TModel> where TModel : class
{
    public required TModel Model { get; init; }

    /// <summary>The trained parameters under their wire keys (flat, row-major arrays).</summary>
    public required IReadOnlyDictionary<string, float[]> Weights { get; init; }

    /// <summary>
    /// The update: trained minus starting weights (the global model when one was given, else the seeded
    /// initialisation), per key. Sent as <c>gradients</c>; FedAvg averages these.
    /// </summary>
    public required IReadOnlyDictionary<string, float[]> Gradients { get; init; }

    /// <summary>The training objective of the final model on the whole local data (see <see cref="LossHistory"/>).</summary>
    public required double Loss { get; init; }

    /// <summary>Share of correctly classified local rows; null for regression.</summary>
    public double? Accuracy { get; init; }

    /// <summary>Coefficient of determination on the local rows; null for classification.</summary>
    public double? RSquared { get; init; }

    /// <summary>Local rows trained on (FedAvg's weight).</summary>
    public required int SampleCount { get; init; }

    /// <summary>
    /// Index 0: the objective of the starting model on the whole local data. Index e: epoch e's loss — for the MLP the
    /// mean of its mini-batch losses, as scikit-learn's loss curve; for linear regression the objective on all rows
    /// after the epoch (so epochs + 1 entries). <see cref="Loss"/> is always the final model's on all rows.
    /// </summary>
    public required IReadOnlyList<double> LossHistory { get; init; }
}
