namespace Parity.Federation.Strategies;

/// <summary>
/// One participant's accepted update for a round. <paramref name="Delta"/> is its trained weights minus the round's
/// global weights, per weight key; <paramref name="SampleCount"/> is how many training samples it saw (the FedAvg
/// weight).
/// </summary>
public sealed record ClientUpdate(int PartIndex, IReadOnlyDictionary<string, float[]> Delta, long SampleCount);
