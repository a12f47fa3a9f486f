namespace Parity.Chain;

/// <summary>
/// One task's reward (key: the task id). Its key is what makes a reward exactly-once: whoever records it, and however
/// often, the first entry stays. It keeps the runner's account up to date and hands a payable reward to the payer once.
/// </summary>
public interface IRewardGrain : IGrainWithStringKey
{
    /// <summary>Records <paramref name="entry"/> unless this task already has one; true when it was new. Calling it again
    /// finishes what an interrupted call left undone (the account's posting, the payer's queue), never more.</summary>
    Task<bool> Record(RewardEntry entry);

    /// <summary>The reward, or null when the task earned none (not completed, or not yet recorded).</summary>
    Task<RewardEntry?> Get();

    /// <summary>The payer's news of this reward's payout; a paid reward takes no more news.</summary>
    Task Progress(RewardProgress progress);

    /// <summary>Its task expired (RESULT_RETENTION): the reward's record goes too once it is final (paid, or unpaid for
    /// good), at once or when it becomes so; its runner's account keeps it in the totals.</summary>
    Task Expire();
}
