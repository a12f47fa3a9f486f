namespace Parity.Chain;

/// <summary>
/// Wakes the reward ledger when a silo becomes active, where a payer is configured: payouts a stopped cluster left
/// pending or sending go on (and are reconciled) without waiting for the next task to finish.
/// </summary>
public sealed class RewardPayoutWaker(IGrainFactory grains, RewardOptions rewards) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RewardPayoutWaker), ServiceLifecycleStage.Active, _ =>
        {
            if (rewards.PayerKeyFile is not null) grains.GetGrain<IRewardLedgerGrain>(IRewardLedgerGrain.Key).Wake().Ignore();
            return Task.CompletedTask;
        });
}
