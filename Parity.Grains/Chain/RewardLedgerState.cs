namespace Parity.Chain;

[GenerateSerializer]
public sealed class RewardLedgerState
{
    /// <summary>One entry per task id: the key is what makes a reward recorded once.</summary>
    [Id(0)] public Dictionary<string, RewardEntry> Entries { get; set; } = new(StringComparer.Ordinal);
}
