namespace Parity.Chain;

[GenerateSerializer]
public sealed class RewardState
{
    [Id(0)] public RewardEntry? Entry { get; set; }
    /// <summary>One more per change of <see cref="Entry"/> (1: its first record).</summary>
    [Id(1)] public int Step { get; set; }
    /// <summary>The last step the runner's account has applied, as far as this grain has stored.</summary>
    [Id(2)] public int Posted { get; set; }
    /// <summary>The status the account counts the reward under after <see cref="Posted"/>.</summary>
    [Id(3)] public RewardStatus? PostedStatus { get; set; }
    /// <summary>The payer has it in its queue (set only after the payer answered).</summary>
    [Id(4)] public bool Queued { get; set; }
    /// <summary>Its task has expired: the record is deleted as soon as the reward is final.</summary>
    [Id(5)] public bool Expiring { get; set; }
}
