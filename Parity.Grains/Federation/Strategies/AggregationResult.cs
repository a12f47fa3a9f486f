namespace Parity.Federation.Strategies;

/// <summary>
/// The outcome of one round's aggregation. <paramref name="Used"/> lists, by ascending PartIndex, the updates that
/// entered the aggregate (a robust strategy such as Krum picks only some; the others are not chosen, which is not the
/// same as rejected). <paramref name="Rejected"/> lists updates excluded for a stated reason.
/// </summary>
public sealed record AggregationResult(
    IReadOnlyDictionary<string, float[]> Global,
    StrategyState State,
    IReadOnlyList<int> Used,
    IReadOnlyList<StrategyRejection> Rejected);
