namespace Parity.Federation.Strategies;

/// <summary>
/// Coordinate-wise median (Yin et al. 2018): each weight moves by the median of the participants' deltas for that
/// coordinate, the mean of the two middle values when the count is even. Unweighted: a participant claiming a huge
/// sample count gains nothing. Fewer than half the participants cannot drag any coordinate outside the honest range.
/// </summary>
public sealed class FedMedian : IAggregationStrategy
{
    public const string WireName = "fedmedian";

    public string Name => WireName;

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        var input = RoundInput.Validate(Name, global, updates, state);
        return input.Stateless(CoordinateSort.Reduce(input, sorted =>
        {
            var n = sorted.Length;
            var middle = n / 2;
            return n % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }));
    }
}
