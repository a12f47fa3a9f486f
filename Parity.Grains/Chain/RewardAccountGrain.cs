using Parity.Common;
using Parity.Hosting;

namespace Parity.Chain;

/// <summary>
/// One runner's totals and newest entries. A posting moves the reward's tokens from the status it was counted under to
/// its new one; its step, kept until the reward grain has stored it as posted, makes a posting sent twice count once.
/// </summary>
public sealed class RewardAccountGrain(
    [PersistentState("rewardAccount", ParityStorage.Name)] IPersistentState<RewardAccountState> state) : Grain, IRewardAccountGrain
{
    private RewardAccountState State => state.State;

    public async Task Post(RewardPosting posting)
    {
        var entry = posting.Entry;
        if (State.Applied.TryGetValue(entry.TaskId, out var applied) && applied >= posting.Step) return;
        if (!State.Listed)
        {
            await GrainFactory.GetGrain<IRewardRunnersGrain>(IRewardRunnersGrain.Key).Add(this.GetPrimaryKeyString());
            State.Listed = true;
        }
        if (posting.Previous is { } previous) Add(previous, -entry.Tokens);
        else State.Count++;
        Add(entry.Status, entry.Tokens);
        State.Applied[entry.TaskId] = posting.Step;
        var recent = State.Recent;
        recent.RemoveAll(e => e.TaskId == entry.TaskId);
        var at = recent.FindIndex(e => e.RecordedAt < entry.RecordedAt
                                       || (e.RecordedAt == entry.RecordedAt && string.CompareOrdinal(e.TaskId, entry.TaskId) > 0));
        recent.Insert(at < 0 ? recent.Count : at, entry);
        if (recent.Count > IRewardAccountGrain.Recent) recent.RemoveRange(IRewardAccountGrain.Recent, recent.Count - IRewardAccountGrain.Recent);
        // The reward grain posts again: it is counted from the stored totals, not from this activation's.
        await state.WriteOrDropAsync(this);
    }

    public Task Settle(string taskId, int step)
    {
        // Forgotten in memory only: stored with the next posting. One left behind by a crash is harmless (a later step
        // of the same reward is larger) and costs a few bytes.
        if (State.Applied.TryGetValue(taskId, out var applied) && applied == step) State.Applied.Remove(taskId);
        return Task.CompletedTask;
    }

    public Task<RewardReport> Report(int limit) => Task.FromResult(new RewardReport
    {
        Runner = this.GetPrimaryKeyString(),
        Earned = State.Unpaid + State.Pending + State.Paid,
        Unpaid = State.Unpaid,
        Pending = State.Pending,
        Paid = State.Paid,
        Count = State.Count,
        Entries = State.Recent.Take(limit).ToList(),
    });

    private void Add(RewardStatus status, decimal tokens)
    {
        switch (status)
        {
            case RewardStatus.Paid: State.Paid += tokens; break;
            case RewardStatus.Pending or RewardStatus.Sending: State.Pending += tokens; break;
            default: State.Unpaid += tokens; break;
        }
    }
}
