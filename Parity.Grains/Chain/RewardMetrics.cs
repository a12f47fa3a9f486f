using System.Diagnostics.Metrics;

namespace Parity.Chain;

/// <summary>
/// The rewards' instruments (meter <c>Parity.Rewards</c>): rewards recorded (by basis and status at record time) and
/// paid, counted and in tokens. Tokens are exact decimals in the ledger; the meter takes them as doubles, for graphs only.
/// </summary>
public static class RewardMetrics
{
    public const string Name = "Parity.Rewards";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> RecordedCount = Meter.CreateCounter<long>("parity.rewards.recorded", "{reward}",
        "Rewards recorded in the ledger, one per completed task, by basis (task, metered) and status (unpaid, pending)");
    private static readonly Counter<double> RecordedTokens = Meter.CreateCounter<double>("parity.rewards.recorded.tokens", "{token}",
        "Tokens of the rewards recorded");
    private static readonly Counter<long> PaidCount = Meter.CreateCounter<long>("parity.rewards.paid", "{reward}",
        "Rewards paid by transferPayment and confirmed");
    private static readonly Counter<double> PaidTokens = Meter.CreateCounter<double>("parity.rewards.paid.tokens", "{token}",
        "Tokens paid by confirmed transferPayments");

    public static void Recorded(RewardEntry entry)
    {
        KeyValuePair<string, object?>[] tags =
            [new("reward.basis", entry.Basis), new("reward.status", entry.Status == RewardStatus.Unpaid ? "unpaid" : "pending")];
        RecordedCount.Add(1, tags);
        RecordedTokens.Add((double)entry.Tokens, tags);
    }

    public static void Paid(decimal tokens)
    {
        PaidCount.Add(1);
        PaidTokens.Add((double)tokens);
    }
}
