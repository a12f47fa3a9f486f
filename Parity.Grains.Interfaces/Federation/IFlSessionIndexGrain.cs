using Orleans.Concurrency;

namespace Parity.Federation;

/// <summary>The cluster's list of sessions (a single grain, key 0); its reminder wakes unfinished sessions.</summary>
public interface IFlSessionIndexGrain : IGrainWithIntegerKey
{
    [OneWay]
    Task Put(FlSessionSummary session);

    Task<IReadOnlyList<FlSessionSummary>> List(string? creator);
}
