namespace Parity.Chain;

/// <summary>Where the payer has got with one reward's payout: the fields of <see cref="RewardEntry"/> it owns.</summary>
[GenerateSerializer, Immutable]
public sealed record RewardProgress
{
    [Id(0)] public RewardStatus Status { get; init; }
    [Id(1)] public string? Units { get; init; }
    [Id(2)] public string? TxHash { get; init; }
    [Id(3)] public long? Nonce { get; init; }
    [Id(4)] public long? Block { get; init; }
    [Id(5)] public DateTimeOffset? PaidAt { get; init; }
    [Id(6)] public string? Problem { get; init; }
    [Id(7)] public int Attempts { get; init; }
}
