namespace Parity.Federation;

/// <summary>
/// A round's metrics: the accepted participants' training loss and accuracy weighted by their rows, and the new global
/// model on the session's test set when it has one (accuracy for classifiers, R² and MSE for regression). Forests add
/// their OOB score (the participants' weighted by rows) and the merged feature importances. With
/// <c>config.evaluation_fraction</c>, the federated evaluation of the round's model on the participants' held-out rows.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlRoundMetrics
{
    [Id(0)] public double? TrainLoss { get; init; }
    [Id(1)] public double? TrainAccuracy { get; init; }
    [Id(2)] public double? TestLoss { get; init; }
    [Id(3)] public double? TestAccuracy { get; init; }
    [Id(4)] public double? TestRSquared { get; init; }
    [Id(5)] public double? TestMeanSquaredError { get; init; }
    [Id(6)] public int? TestRows { get; init; }
    [Id(7)] public double? OobScore { get; init; }
    [Id(8)] public IReadOnlyList<double>? FeatureImportance { get; init; }
    /// <summary>
    /// This round's global model on the participants' held-out rows (<c>config.evaluation_fraction</c>), weighted by
    /// those rows. It comes with the next round's updates (each participant scores the model it receives before it
    /// trains), or for the last round from the evaluation-only tasks after it; null until then, or without the fraction.
    /// </summary>
    [Id(9)] public FederatedEvaluation? FederatedEvaluation { get; init; }
}
