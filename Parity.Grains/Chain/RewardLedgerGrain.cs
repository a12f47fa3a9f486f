using Microsoft.Extensions.Logging;
using Parity.Hosting;

namespace Parity.Chain;

/// <summary>
/// The cluster's reward ledger and its payer. A reward is recorded once per task id (the finished-task hook may call
/// again after a crash; a result reported again never reaches it twice, and even if it did, the key is the task).
/// Payouts go one at a time: the transferPayment is signed with an explicit nonce, the entry is stored as
/// <see cref="RewardStatus.Sending"/> with the hash and the signed bytes, and only then is it sent; until it is mined
/// the same bytes are sent again (the same transaction, which can be mined once), and only once its nonce is provably
/// taken by another transaction is a new one signed. On activation, entries left sending are checked against the
/// contract's TaskPayment events. So a crash anywhere between signing and recording never pays twice.
/// </summary>
public sealed partial class RewardLedgerGrain(
    [PersistentState("rewards", ParityStorage.Name)] IPersistentState<RewardLedgerState> state,
    ChainOptions chain,
    RewardOptions rewards,
    TimeProvider clock,
    ILogger<RewardLedgerGrain> logger) : Grain, IRewardLedgerGrain
{
    public const string NotConfigured =
        "not paid: this cluster has no payer (BLOCKCHAIN_PAYER_KEY_FILE and the BLOCKCHAIN_* keys of a chain are not all set)";
    public const string NoCreatorDevice = "not paid: the task names no creator_device_id, whose stake would pay";

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);
    private IGrainTimer? _timer;
    private RewardPayer? _payer;
    private ChainToken? _token;
    private bool _reconciled;
    private DateTimeOffset _pausedUntil;
    private int _failures;
    private string? _payerProblem;

    private Dictionary<string, RewardEntry> Entries => state.State.Entries;
    private DateTimeOffset Now => clock.GetUtcNow();

    private bool Payouts => rewards.PayerKeyFile is not null && chain is { Rpc: not null, ChainId: not null, TokenAddress: not null, StakeWalletAddress: not null };

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Payouts)
        {
            // Recorded while the cluster had no payer: queued now that it has one.
            var queued = Entries.Values.Where(e => e is { Status: RewardStatus.Unpaid, Problem: NotConfigured }).ToList();
            foreach (var entry in queued) Entries[entry.TaskId] = entry with { Status = RewardStatus.Pending, Problem = null };
            if (queued.Count > 0) await state.WriteStateAsync(cancellationToken);
        }
        StartIfOwed();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _payer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<bool> Record(RewardEntry entry)
    {
        if (Entries.ContainsKey(entry.TaskId)) return false;
        var (status, problem) = !Payouts ? (RewardStatus.Unpaid, NotConfigured)
            : string.IsNullOrEmpty(entry.CreatorDeviceId) ? (RewardStatus.Unpaid, NoCreatorDevice)
            : (RewardStatus.Pending, (string?)null);
        Entries[entry.TaskId] = entry with
        {
            Status = status, Problem = problem, Units = null, TxHash = null, Nonce = null, Block = null, PaidAt = null,
            Attempts = 0, NextAttemptAt = null, SignedTransaction = null, SignedAtBlock = null,
        };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The hook calls again: start from the stored state so that call records it, once.
            DeactivateOnIdle();
            throw;
        }
        StartIfOwed();
        return true;
    }

    public Task<RewardReport> Report(string? runner, int limit)
    {
        var mine = Entries.Values.Where(e => runner is null || e.Runner == runner).ToList();
        return Task.FromResult(new RewardReport
        {
            Runner = runner,
            Earned = mine.Sum(e => e.Tokens),
            Paid = mine.Where(e => e.Status == RewardStatus.Paid).Sum(e => e.Tokens),
            Pending = mine.Where(e => e.Status is RewardStatus.Pending or RewardStatus.Sending).Sum(e => e.Tokens),
            Unpaid = mine.Where(e => e.Status == RewardStatus.Unpaid).Sum(e => e.Tokens),
            Payouts = Payouts,
            PayerProblem = _payerProblem,
            Entries = mine.OrderByDescending(e => e.RecordedAt).ThenBy(e => e.TaskId, StringComparer.Ordinal).Take(limit).ToList(),
        });
    }

    public Task Wake()
    {
        StartIfOwed();
        return Task.CompletedTask;
    }

    private bool Owed => Payouts && Entries.Values.Any(e => e.Status is RewardStatus.Pending or RewardStatus.Sending);

    private void StartIfOwed()
    {
        if (_timer is not null || !Owed) return;
        // Kept alive while payouts are owed; the silo's start-up wakes the ledger after a restart.
        _timer = this.RegisterGrainTimer(Step, new GrainTimerCreationOptions(TimeSpan.Zero, Tick) { KeepAlive = true });
    }
}
