namespace Parity.Federation.Strategies;

/// <summary>
/// Multi-Krum (Blanchard et al. 2017): keep the m = num_selected updates with the lowest Krum scores (ties to the
/// lower PartIndex) and FedAvg them, weighted by sample count. m = 1 is Krum up to that weighting; m = n − f averages
/// everything but the f most isolated updates.
/// </summary>
public sealed class MultiKrum : IAggregationStrategy
{
    public const string WireName = "multikrum";

    public MultiKrum(int numMalicious, int numSelected)
    {
        NumMalicious = ParameterGuard.AtLeast("num_malicious", numMalicious, 0);
        NumSelected = ParameterGuard.AtLeast("num_selected", numSelected, 1);
    }

    public string Name => WireName;

    public int NumMalicious { get; }

    public int NumSelected { get; }

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        var input = RoundInput.Validate(Name, global, updates, state);
        var ranked = KrumScoring.Rank(Name, input, NumMalicious);
        // Only knowable per round: the bound depends on how many updates arrived.
        if (NumSelected > input.Count - NumMalicious)
            throw new ArgumentException(
                $"{Name}: num_selected = {NumSelected} must be <= n − num_malicious = " +
                $"{input.Count} − {NumMalicious} = {input.Count - NumMalicious}",
                nameof(updates));
        // Back into PartIndex order, so the weighted sum runs in the same order as FedAvg's.
        var chosen = ranked.Take(NumSelected).Order().Select(i => input.Updates[i]).ToArray();
        return input.Stateless(input.WeightedMeanDelta(chosen), chosen.Select(u => u.PartIndex).ToArray());
    }
}
