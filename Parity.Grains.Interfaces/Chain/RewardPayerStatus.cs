namespace Parity.Chain;

/// <summary>The payer as a report shows it: rewards owed (queued or in flight) and why payouts are paused, if they are.</summary>
[GenerateSerializer, Immutable]
public sealed record RewardPayerStatus(
    [property: Id(0)] int Owed,
    [property: Id(1)] string? Problem);
