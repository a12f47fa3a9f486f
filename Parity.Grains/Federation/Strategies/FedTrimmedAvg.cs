namespace Parity.Federation.Strategies;

/// <summary>
/// Coordinate-wise trimmed mean (Yin et al. 2018): for each coordinate, sort the participants' deltas, drop the
/// floor(β·n) lowest and the floor(β·n) highest, and average the rest (unweighted). Up to floor(β·n) attackers cannot
/// push a coordinate outside the honest range. β = 0 is the plain unweighted mean.
/// </summary>
public sealed class FedTrimmedAvg : IAggregationStrategy
{
    public const string WireName = "fedtrimmedavg";

    public FedTrimmedAvg(double beta)
    {
        // β < 0.5 leaves at least one value: n − 2·floor(β·n) ≥ 1 for every n ≥ 1.
        Beta = ParameterGuard.Below("beta", beta, 0.5);
    }

    public string Name => WireName;

    /// <summary>The fraction trimmed at each end.</summary>
    public double Beta { get; }

    /// <summary>How many values are dropped at each end for <paramref name="count"/> updates.</summary>
    public int TrimmedPerSide(int count) => (int)Math.Floor(Beta * count);

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        var input = RoundInput.Validate(Name, global, updates, state);
        var cut = TrimmedPerSide(input.Count);
        return input.Stateless(CoordinateSort.Reduce(input, sorted =>
        {
            var sum = 0.0;
            for (var i = cut; i < sorted.Length - cut; i++)
                sum += sorted[i];
            return sum / (sorted.Length - 2 * cut);
        }));
    }
}
