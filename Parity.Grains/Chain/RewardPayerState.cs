namespace Parity.Chain;

[GenerateSerializer]
public sealed class RewardPayerState
{
    /// <summary>Every reward owed, by task id: queued, waiting out a backoff, or in flight (<see cref="Sending"/>).</summary>
    [Id(0)] public Dictionary<string, RewardPayout> Queue { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The one payment signed and recorded, sent or about to be, not yet confirmed.</summary>
    [Id(1)] public RewardSending? Sending { get; set; }
}
