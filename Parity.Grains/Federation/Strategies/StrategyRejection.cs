namespace Parity.Federation.Strategies;

/// <summary>An update a strategy excluded from the aggregate, and why (for the session's round record).</summary>
public sealed record StrategyRejection(int PartIndex, string Reason);
