namespace Parity.Federation.Strategies;

/// <summary>
/// Federated averaging (McMahan et al. 2017): the next global weights are the current ones plus the sample-weighted
/// mean of the deltas, global + Σ nᵢ Δᵢ / Σ nᵢ. No state; one outlier moves it without bound.
/// </summary>
public sealed class FedAvg : IAggregationStrategy
{
    public const string WireName = "fedavg";

    public string Name => WireName;

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        var input = RoundInput.Validate(Name, global, updates, state);
        return input.Stateless(input.WeightedMeanDelta());
    }
}
