using Parity.Common;
using Microsoft.Extensions.Logging;
using Parity.Hosting;

namespace Parity.Chain;

/// <summary>
/// The cluster's payer: one transferPayment in flight at a time, from one nonce sequence. Each payout is signed with an
/// explicit nonce, recorded (<see cref="RewardSending"/>) and only then sent; the reward's grain hears of each stage,
/// and hears that it is paid before the payer forgets it. On activation a payment left in flight is looked for among
/// the contract's TaskPayment events. So a crash anywhere between signing and recording never pays twice.
/// </summary>
public sealed partial class RewardPayerGrain(
    [PersistentState("rewardPayer", ParityStorage.Name)] IPersistentState<RewardPayerState> state,
    ChainOptions chain,
    RewardOptions rewards,
    TimeProvider clock,
    ILogger<RewardPayerGrain> logger) : Grain, IRewardPayerGrain, IRemindable
{
    /// <summary>Held while payouts are owed: it activates the payer again, wherever it lives, after its silo died.</summary>
    private const string OwedReminder = "owed";
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);
    private IGrainTimer? _timer;
    private RewardPayer? _payer;
    private ChainToken? _token;
    private bool _reconciled;
    private DateTimeOffset _pausedUntil;
    private int _failures;
    private string? _problem;
    private bool _reminded;

    private RewardPayerState State => state.State;
    private DateTimeOffset Now => clock.GetUtcNow();
    private bool Owed => State.Queue.Count > 0;

    public override Task OnActivateAsync(CancellationToken cancellationToken) => StartIfOwed();

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _payer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task Enqueue(RewardPayout payout)
    {
        if (State.Queue.ContainsKey(payout.TaskId)) return;
        State.Queue[payout.TaskId] = payout with { Attempts = 0, NextAttemptAt = null };
        await Write();
        await StartIfOwed();
    }

    public Task Wake() => StartIfOwed();

    public Task ReceiveReminder(string reminderName, TickStatus status) => StartIfOwed();

    public Task<RewardPayerStatus> Status() => Task.FromResult(new RewardPayerStatus(State.Queue.Count, _problem));

    private async Task StartIfOwed()
    {
        if (!Owed || !rewards.PaysOn(chain)) return;
        if (!_reminded)
        {
            await this.RegisterOrUpdateReminder(OwedReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminded = true;
        }
        // Kept alive while payouts are owed; the reminder, a silo's start and a silo's death wake it after a crash.
        _timer ??= this.RegisterGrainTimer(Step, new GrainTimerCreationOptions(TimeSpan.Zero, Tick) { KeepAlive = true });
    }

    /// <summary>Nothing is owed: the timer and the reminder go, so an idle payer costs nothing.</summary>
    private async Task StopWhenPaidUp()
    {
        _timer?.Dispose();
        _timer = null;
        if (await this.GetReminder(OwedReminder) is { } reminder) await this.UnregisterReminder(reminder);
        _reminded = false;
    }

    // Whatever called goes on from the stored state (a payment is sent only once its record is stored).
    private Task Write() => state.WriteOrDropAsync(this);
}
