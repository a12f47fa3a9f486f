namespace Parity.Federation;

/// <summary>
/// A global model scored on held-out rows that never trained it (issue 14 §4, federated evaluation). A participant reports
/// one for the global model its task carried (<c>global_evaluation</c> in its update); a round's metrics hold the
/// participants' figures weighted by their held-out rows, with <see cref="Participants"/> saying how many counted.
/// Classifiers fill <see cref="Accuracy"/>, regressions <see cref="RSquared"/> and <see cref="MeanSquaredError"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FederatedEvaluation
{
    [Id(0)] public required int Rows { get; init; }
    [Id(1)] public required double Loss { get; init; }
    [Id(2)] public double? Accuracy { get; init; }
    [Id(3)] public double? RSquared { get; init; }
    [Id(4)] public double? MeanSquaredError { get; init; }
    /// <summary>In a round's metrics: the participants whose figures were averaged. Null in a participant's own report.</summary>
    [Id(5)] public int? Participants { get; init; }
}
