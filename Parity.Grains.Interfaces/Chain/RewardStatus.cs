namespace Parity.Chain;

/// <summary>Where one reward stands. Written on the wire in snake_case (<c>unpaid</c>, <c>pending</c>, <c>sending</c>, <c>paid</c>).</summary>
[GenerateSerializer]
public enum RewardStatus
{
    /// <summary>Recorded, not queued for payment: no chain or payer key is configured, or the reward cannot be paid
    /// (its <see cref="RewardEntry.Problem"/> says why).</summary>
    Unpaid,
    /// <summary>Queued for a payout (again, after a failed attempt: <see cref="RewardEntry.Problem"/> says what failed).</summary>
    Pending,
    /// <summary>Its transferPayment is signed and its hash recorded; it is sent, or being sent, and not yet confirmed.</summary>
    Sending,
    /// <summary>Its transferPayment is mined, succeeded and has BLOCKCHAIN_CONFIRMATIONS blocks.</summary>
    Paid,
}
