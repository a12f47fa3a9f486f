namespace Parity.Federation.Strategies;

/// <summary>
/// Krum (Blanchard et al. 2017): pick the single update with the lowest Krum score (ties to the lower PartIndex) and
/// apply its delta as is. Tolerates up to f = num_malicious Byzantine updates when n > 2f + 2. The updates not picked
/// are not rejected, just not chosen, so <see cref="AggregationResult.Rejected"/> stays empty. Sample counts are
/// ignored: an attacker cannot buy influence by claiming a large dataset.
/// </summary>
public sealed class Krum : IAggregationStrategy
{
    public const string WireName = "krum";

    public Krum(int numMalicious)
    {
        NumMalicious = ParameterGuard.AtLeast("num_malicious", numMalicious, 0);
    }

    public string Name => WireName;

    public int NumMalicious { get; }

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        var input = RoundInput.Validate(Name, global, updates, state);
        var winner = input.Updates[KrumScoring.Rank(Name, input, NumMalicious)[0]];
        var step = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var key in input.Keys)
            step[key] = Array.ConvertAll(winner.Delta[key], x => (double)x);
        return input.Stateless(step, [winner.PartIndex]);
    }
}
