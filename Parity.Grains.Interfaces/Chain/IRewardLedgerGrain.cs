namespace Parity.Chain;

/// <summary>
/// Reads the ledger (a stateless worker, so any silo answers): one runner's account, or every runner's summed, with the
/// payer's state. It holds nothing: the rewards live in their own grains.
/// </summary>
public interface IRewardLedgerGrain : IGrainWithIntegerKey
{
    /// <summary>The totals of <paramref name="runner"/> (all runners when null) and its newest entries, at most
    /// <paramref name="limit"/> (up to <see cref="IRewardAccountGrain.Recent"/> per runner).</summary>
    Task<RewardReport> Report(string? runner, int limit);
}
