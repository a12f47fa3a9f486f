namespace Parity.Federation.Strategies;

/// <summary>
/// FedProx (Li et al. 2020). Its proximal term μ/2 ‖w − w_global‖² lives in each participant's local objective, so
/// the runner's trainer applies it; the server side aggregates exactly like <see cref="FedAvg"/>. This class exists
/// so the session has one strategy object that both aggregates and tells it which μ to hand the runners.
/// </summary>
public sealed class FedProx : IAggregationStrategy
{
    public const string WireName = "fedprox";

    private readonly FedAvg _average = new();

    public FedProx(double proximalMu)
    {
        ProximalMu = ParameterGuard.NonNegative("proximal_mu", proximalMu);
    }

    public string Name => WireName;

    /// <summary>μ, for the runners' local objective (0 makes FedProx plain FedAvg).</summary>
    public double ProximalMu { get; }

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        // Validate under our own name so errors say fedprox, then aggregate as FedAvg does.
        RoundInput.Validate(Name, global, updates, state);
        return _average.Aggregate(global, updates, state);
    }
}
