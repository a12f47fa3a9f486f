using System.Collections.ObjectModel;

namespace Parity.Federation.Strategies;

/// <summary>
/// What a strategy carries from one round to the next (momentum, Adam moments...), persisted by the session between
/// rounds. <paramref name="Round"/> counts the rounds aggregated so far. Strategies never mutate a state they are
/// given: <see cref="IAggregationStrategy.Aggregate"/> returns the next one.
/// </summary>
public sealed record StrategyState(IReadOnlyDictionary<string, float[]> Buffers, int Round)
{
    /// <summary>The state before the first round: no buffers, round 0.</summary>
    // Read-only underneath too: this one instance is shared by every session.
    public static StrategyState Empty { get; } =
        new(new ReadOnlyDictionary<string, float[]>(new Dictionary<string, float[]>(StringComparer.Ordinal)), 0);
}
