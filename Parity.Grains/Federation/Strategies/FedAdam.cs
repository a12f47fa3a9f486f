namespace Parity.Federation.Strategies;

/// <summary>
/// FedAdam (Reddi et al. 2021): server momentum m and an exponential moving average of the squared mean delta,
/// v ← β₂ v + (1 − β₂) Δ²; see <see cref="ServerOptimizer"/>.
/// </summary>
public sealed class FedAdam : IAggregationStrategy
{
    public const string WireName = "fedadam";

    public FedAdam(double serverLearningRate, double beta1, double beta2, double tau)
    {
        ServerLearningRate = ParameterGuard.Positive("server_learning_rate", serverLearningRate);
        Beta1 = ParameterGuard.UnitInterval("beta_1", beta1);
        Beta2 = ParameterGuard.UnitInterval("beta_2", beta2);
        Tau = ParameterGuard.Positive("tau", tau);
    }

    public string Name => WireName;

    public double ServerLearningRate { get; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Tau { get; }

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state) =>
        ServerOptimizer.Step(Name, SecondMomentRule.Adam, ServerLearningRate, Beta1, Beta2, Tau, global, updates, state);
}
