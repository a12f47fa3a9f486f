namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>What the round yields: the sum of the survivors' updates, per coordinate, and how many updates it adds up.</summary>
public sealed record SecAggResult(double[] Sum, int Count);
