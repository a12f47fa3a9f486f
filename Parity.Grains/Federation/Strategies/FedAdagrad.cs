namespace Parity.Federation.Strategies;

/// <summary>
/// FedAdagrad (Reddi et al. 2021): server momentum m and an ever-growing second moment v ← v + Δ²; see
/// <see cref="ServerOptimizer"/>. Adagrad has no β₂, so it takes none.
/// </summary>
public sealed class FedAdagrad : IAggregationStrategy
{
    public const string WireName = "fedadagrad";

    public FedAdagrad(double serverLearningRate, double beta1, double tau)
    {
        ServerLearningRate = ParameterGuard.Positive("server_learning_rate", serverLearningRate);
        Beta1 = ParameterGuard.UnitInterval("beta_1", beta1);
        Tau = ParameterGuard.Positive("tau", tau);
    }

    public string Name => WireName;

    public double ServerLearningRate { get; }

    public double Beta1 { get; }

    public double Tau { get; }

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state) =>
        ServerOptimizer.Step(Name, SecondMomentRule.Adagrad, ServerLearningRate, Beta1, beta2: 0, Tau, global, updates, state);
}
