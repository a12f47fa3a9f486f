using Orleans.Concurrency;

namespace Parity.Chain;

/// <summary>
/// One runner's rewards (key: the runner's name, its device id on the chain): totals over all of its rewards and the
/// most recent <see cref="Recent"/> entries. Its state stays the same size however many tasks the runner finishes; every
/// entry stays readable from its own <see cref="IRewardGrain"/>.
/// </summary>
public interface IRewardAccountGrain : IGrainWithStringKey
{
    const int Recent = 100;

    /// <summary>Applies one change of a reward (its first record, or a new status); a posting already applied is ignored.</summary>
    Task Post(RewardPosting posting);

    /// <summary>The reward grain has stored that <paramref name="step"/> is posted: the account may forget it applied it.</summary>
    [OneWay]
    Task Settle(string taskId, int step);

    Task<RewardReport> Report(int limit);
}
