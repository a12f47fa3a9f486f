namespace Parity.Chain;

/// <summary>
/// The ledger as <c>GET /api/v1/rewards</c> shows it, for one runner or all: totals in tokens (exact decimals) and the
/// newest entries (up to <see cref="IRewardAccountGrain.Recent"/> per runner; every entry stays readable by its task
/// id). <see cref="Earned"/> = <see cref="Paid"/> + <see cref="Pending"/> (pending and sending) +
/// <see cref="Unpaid"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RewardReport
{
    [Id(0)] public string? Runner { get; init; }
    [Id(1)] public decimal Earned { get; init; }
    [Id(2)] public decimal Pending { get; init; }
    [Id(3)] public decimal Paid { get; init; }
    [Id(4)] public decimal Unpaid { get; init; }
    /// <summary>Whether this cluster pays rewards (a chain and BLOCKCHAIN_PAYER_KEY_FILE are configured).</summary>
    [Id(5)] public bool Payouts { get; init; }
    [Id(6)] public IReadOnlyList<RewardEntry> Entries { get; init; } = [];
    /// <summary>Why payouts are paused, when they are (the payer's key file, the chain not answering, a payer that does
    /// not own the StakeWallet); null while they go on.</summary>
    [Id(7)] public string? PayerProblem { get; init; }
    /// <summary>How many rewards the totals cover.</summary>
    [Id(8)] public int Count { get; init; }
    /// <summary>Rewards the payer still owes (queued or in flight) across the cluster, when it pays.</summary>
    [Id(9)] public int Owed { get; init; }
}
