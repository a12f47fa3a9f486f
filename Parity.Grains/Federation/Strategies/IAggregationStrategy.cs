namespace Parity.Federation.Strategies;

/// <summary>A server-side rule that turns one round's client updates into the next global weights.</summary>
public interface IAggregationStrategy
{
    /// <summary>The wire name, e.g. <c>fedavg</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Aggregates one round. The result is bit-for-bit deterministic and independent of the order of
    /// <paramref name="updates"/>: every strategy here sorts them by PartIndex itself (so a caller that forgot to
    /// sort still gets the same bytes), loops in fixed orders, accumulates in double and rounds to float once. The
    /// session re-running a round after a crash must get identical bytes.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// No updates, a repeated PartIndex, a delta whose keys or lengths differ from <paramref name="global"/>, a
    /// non-finite value, a sample count below 1, a state that does not belong to this strategy, or too few updates
    /// for the strategy (Krum).
    /// </exception>
    AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state);
}
