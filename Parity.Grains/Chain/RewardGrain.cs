using Parity.Common;
using Parity.Hosting;

namespace Parity.Chain;

/// <summary>
/// One task's reward. Everything that follows a change is done in a fixed order, each step stored before the next, so a
/// call interrupted anywhere (a dead silo, a storage error) is finished by the next call and nothing is done twice:
/// the entry is stored; the runner's account applies the change (it ignores a step it has applied); the step is
/// stored as posted; a payable reward goes to the payer's queue (it ignores one it has), and that is stored. The payer
/// tells this grain that a reward is paid before it forgets the reward, so a reward found here pending and not queued
/// was never paid.
/// </summary>
/// <remarks>
/// A payer's news and a repeated <see cref="Record"/> of the same reward could meet, each waiting for the other, only
/// after a crash between the payer's answer and <see cref="RewardState.Queued"/> being stored; Orleans' call timeout
/// ends that wait and both are tried again.
/// </remarks>
public sealed class RewardGrain(
    [PersistentState("reward", ParityStorage.Name)] IPersistentState<RewardState> state,
    ChainOptions chain,
    RewardOptions rewards) : Grain, IRewardGrain
{
    public const string NotConfigured =
        "not paid: this cluster has no payer (BLOCKCHAIN_PAYER_KEY_FILE and the BLOCKCHAIN_* keys of a chain are not all set)";
    public const string NoCreatorDevice = "not paid: the task names no creator_device_id, whose stake would pay";
    public const string UpstreamPays = "not paid here: the network's server that handed the task over pays it";

    private RewardState State => state.State;

    public async Task<bool> Record(RewardEntry entry)
    {
        var isNew = State.Entry is null;
        if (isNew)
        {
            if (entry.TaskId != this.GetPrimaryKeyString())
                throw new ArgumentException($"the reward of task {entry.TaskId} was sent to the reward grain of {this.GetPrimaryKeyString()}", nameof(entry));
            var (status, problem) = entry.Problem == UpstreamPays ? (RewardStatus.Unpaid, UpstreamPays)
                : !rewards.PaysOn(chain) ? (RewardStatus.Unpaid, NotConfigured)
                : string.IsNullOrEmpty(entry.CreatorDeviceId) ? (RewardStatus.Unpaid, NoCreatorDevice)
                : (RewardStatus.Pending, (string?)null);
            State.Entry = entry with
            {
                Status = status, Problem = problem, Units = null, TxHash = null, Nonce = null, Block = null, PaidAt = null, Attempts = 0,
            };
            State.Step = 1;
            await Write();
            RewardMetrics.Recorded(State.Entry);
        }
        await FollowUp();
        return isNew;
    }

    public Task<RewardEntry?> Get() => Task.FromResult(State.Entry);

    public async Task Progress(RewardProgress progress)
    {
        // None: it was final and its task expired, so this is news the payer sends again (its own record of the
        // payout was not yet stored as done); nothing is left to change.
        if (State.Entry is not { } entry) return;
        // What an earlier change left undone comes first: the account must count the reward where it last was.
        await FollowUp();
        if (entry.Status == RewardStatus.Paid) return;
        var next = entry with
        {
            Status = progress.Status, Units = progress.Units, TxHash = progress.TxHash, Nonce = progress.Nonce, Block = progress.Block,
            PaidAt = progress.PaidAt, Problem = progress.Problem, Attempts = progress.Attempts,
        };
        if (next == entry) return;
        State.Entry = next;
        State.Step++;
        await Write();
        await FollowUp();
        if (State.Expiring) await ForgetIfFinal();
    }

    public async Task Expire()
    {
        if (State.Entry is null) return;
        await FollowUp();
        if (!State.Expiring)
        {
            State.Expiring = true;
            if (!Final) await Write();
        }
        await ForgetIfFinal();
    }

    /// <summary>Paid, or unpaid with nothing queued: nothing more will happen to it.</summary>
    private bool Final => State.Entry is { Status: RewardStatus.Paid } or { Status: RewardStatus.Unpaid };

    private async Task ForgetIfFinal()
    {
        // Only once the account has it: the totals keep what the record held.
        if (!Final || State.Posted < State.Step) return;
        await state.ClearStateAsync();
        state.State = new RewardState();
        DeactivateOnIdle();
    }

    /// <summary>Brings the account and the payer's queue up to the stored entry.</summary>
    private async Task FollowUp()
    {
        var entry = State.Entry!;
        if (State.Posted < State.Step)
        {
            var account = GrainFactory.GetGrain<IRewardAccountGrain>(entry.Runner);
            await account.Post(new RewardPosting(entry, State.Step, State.Posted == 0 ? null : State.PostedStatus));
            State.Posted = State.Step;
            State.PostedStatus = entry.Status;
            await Write();
            account.Settle(entry.TaskId, State.Posted).Ignore();
        }
        if (entry.Status == RewardStatus.Pending && !State.Queued)
        {
            await GrainFactory.GetGrain<IRewardPayerGrain>(IRewardPayerGrain.Key).Enqueue(new RewardPayout
            {
                TaskId = entry.TaskId, Runner = entry.Runner, CreatorDeviceId = entry.CreatorDeviceId!, Tokens = entry.Tokens,
                RecordedAt = entry.RecordedAt,
            });
            State.Queued = true;
            await Write();
        }
    }

    // The caller tries again (the task's hook, the payer), and that call starts from the stored state.
    private Task Write() => state.WriteOrDropAsync(this);
}
