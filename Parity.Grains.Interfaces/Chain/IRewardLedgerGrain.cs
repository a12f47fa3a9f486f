namespace Parity.Chain;

/// <summary>
/// The cluster's reward ledger, one for its one payer (key <see cref="Key"/>): one entry per task id, and the payouts.
/// </summary>
public interface IRewardLedgerGrain : IGrainWithStringKey
{
    const string Key = "payer";

    /// <summary>Records <paramref name="entry"/> unless its task already has one; true when it was new.</summary>
    Task<bool> Record(RewardEntry entry);

    /// <summary>The entries of <paramref name="runner"/> (all runners when null), at most <paramref name="limit"/>, newest first, with totals over all of them.</summary>
    Task<RewardReport> Report(string? runner, int limit);

    /// <summary>Wakes the ledger (at silo start-up) so payouts left unfinished go on.</summary>
    Task Wake();
}
