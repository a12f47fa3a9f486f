namespace Parity.Chain;

/// <summary>
/// A reward's change as its runner's account applies it: the entry as it is now, the reward grain's step number for
/// the change (1 for the first record, one more per change), and the status the account counted it under before
/// (null for the first record).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RewardPosting(
    [property: Id(0)] RewardEntry Entry,
    [property: Id(1)] int Step,
    [property: Id(2)] RewardStatus? Previous);
