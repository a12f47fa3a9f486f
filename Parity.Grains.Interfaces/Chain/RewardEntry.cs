namespace Parity.Chain;

/// <summary>
/// One reward in the cluster's ledger: one per finished task (a federated round's task included), whoever reported its
/// result and however often. <see cref="Tokens"/> is exact (a decimal, never a float): the creator's <c>reward</c>, or
/// the upstream's metered formula. <see cref="Units"/> is the amount in the token's integer units, fixed when the
/// payout is signed. Kept by the task's <see cref="IRewardGrain"/>; the payer's signed bytes never leave the payer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RewardEntry
{
    [Id(0)] public string TaskId { get; init; } = "";
    /// <summary>The runner that earned it (its name, which is also its device id on the chain: the result's solver_device_id).</summary>
    [Id(1)] public string Runner { get; init; } = "";
    /// <summary>The task's <c>creator_device_id</c>, whose stake pays; null when the task names none (then it stays unpaid).</summary>
    [Id(2)] public string? CreatorDeviceId { get; init; }
    [Id(3)] public decimal Tokens { get; init; }
    /// <summary><c>task</c>: the creator's reward; <c>metered</c>: the formula over the result's metrics.</summary>
    [Id(4)] public string Basis { get; init; } = "";
    [Id(5)] public RewardStatus Status { get; init; }
    [Id(6)] public DateTimeOffset RecordedAt { get; init; }
    /// <summary>The amount in the token's units (decimal digits), once a payout is signed.</summary>
    [Id(7)] public string? Units { get; init; }
    /// <summary>The transferPayment's hash, recorded before it is sent.</summary>
    [Id(8)] public string? TxHash { get; init; }
    [Id(9)] public long? Nonce { get; init; }
    /// <summary>The block that holds the payment, once mined.</summary>
    [Id(10)] public long? Block { get; init; }
    [Id(11)] public DateTimeOffset? PaidAt { get; init; }
    /// <summary>Why it is unpaid, or what the last failed attempt met.</summary>
    [Id(12)] public string? Problem { get; init; }
    [Id(13)] public int Attempts { get; init; }
}
