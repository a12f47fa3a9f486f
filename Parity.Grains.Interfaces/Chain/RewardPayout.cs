namespace Parity.Chain;

/// <summary>A reward in the payer's queue: what transferPayment needs, and the backoff of failed attempts.</summary>
[GenerateSerializer, Immutable]
public sealed record RewardPayout
{
    [Id(0)] public string TaskId { get; init; } = "";
    [Id(1)] public string Runner { get; init; } = "";
    [Id(2)] public string CreatorDeviceId { get; init; } = "";
    [Id(3)] public decimal Tokens { get; init; }
    [Id(4)] public DateTimeOffset RecordedAt { get; init; }
    [Id(5)] public int Attempts { get; init; }
    [Id(6)] public DateTimeOffset? NextAttemptAt { get; init; }
}
