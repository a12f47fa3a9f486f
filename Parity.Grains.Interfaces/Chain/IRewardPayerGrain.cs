namespace Parity.Chain;

/// <summary>
/// The cluster's one payer (key <see cref="Key"/>): the queue of rewards to pay and the one payment in flight, signed
/// from one nonce sequence. A reward leaves its state once paid (or found unpayable), so it holds only what is owed.
/// </summary>
public interface IRewardPayerGrain : IGrainWithStringKey
{
    const string Key = "payer";

    /// <summary>Queues a reward for payment; one already queued or in flight is not queued twice.</summary>
    Task Enqueue(RewardPayout payout);

    /// <summary>Wakes the payer (at silo start-up) so payouts left unfinished go on.</summary>
    Task Wake();

    /// <summary>How many rewards are owed, and why payouts are paused when they are.</summary>
    Task<RewardPayerStatus> Status();
}
