using Parity.Hosting;

namespace Parity.Federation;

[GenerateSerializer]
public sealed class FlSessionIndexRecord
{
    [Id(0)] public Dictionary<string, FlSessionSummary> Sessions { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The list of sessions, newest first, for <c>GET /sessions</c>. Summaries arrive one-way after each session write
/// and may arrive out of order: a later <c>updated_at</c> wins. Finished sessions beyond <see cref="RetainedFinished"/>
/// leave the list (their grains keep their state).
/// </summary>
public sealed class FlSessionIndexGrain(
    [PersistentState("fl-session-index", ParityStorage.Name)] IPersistentState<FlSessionIndexRecord> state) : Grain, IFlSessionIndexGrain
{
    public const int RetainedFinished = 1_000;

    private Dictionary<string, FlSessionSummary> Sessions => state.State.Sessions;

    public async Task Put(FlSessionSummary session)
    {
        if (Sessions.TryGetValue(session.Id, out var known) && known.UpdatedAt > session.UpdatedAt) return;
        Sessions[session.Id] = session;
        var finished = Sessions.Values.Where(s => s.Status is not (FlSessionStatus.Pending or FlSessionStatus.Active)).ToList();
        foreach (var old in finished.OrderBy(s => s.UpdatedAt).Take(Math.Max(0, finished.Count - RetainedFinished)))
            Sessions.Remove(old.Id);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<FlSessionSummary>> List(string? creator)
    {
        IReadOnlyList<FlSessionSummary> list = Sessions.Values
            .Where(s => creator is null || string.Equals(s.CreatorAddress, creator, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(list);
    }
}
