namespace Parity.Chain;

/// <summary>The names of the runners that have a reward account (one grain, key <see cref="Key"/>; it grows with the
/// cluster's runners, not with its tasks): what a report over all runners reads.</summary>
public interface IRewardRunnersGrain : IGrainWithStringKey
{
    const string Key = "all";

    Task Add(string runner);

    Task<IReadOnlyList<string>> Runners();
}
