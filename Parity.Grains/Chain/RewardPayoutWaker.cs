using Microsoft.Extensions.Logging;

namespace Parity.Chain;

/// <summary>
/// Wakes the reward payer, where a payer is configured: when this silo becomes active (payouts a stopped cluster left
/// queued or in flight go on, and are reconciled), and when the cluster declares a silo dead (the payer may have lived
/// there: it is activated again at once instead of at its reminder, a minute later).
/// </summary>
public sealed class RewardPayoutWaker(
    IGrainFactory grains,
    IClusterMembershipService membership,
    RewardOptions rewards,
    ILogger<RewardPayoutWaker> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RewardPayoutWaker), ServiceLifecycleStage.Active, started =>
        {
            if (rewards.PayerKeyFile is null) return Task.CompletedTask;
            Wake();
            WatchDeaths(_stopping.Token).Ignore();
            return Task.CompletedTask;
        }, _ =>
        {
            _stopping.Cancel();
            return Task.CompletedTask;
        });

    public void Dispose() => _stopping.Dispose();

    private void Wake() => grains.GetGrain<IRewardPayerGrain>(IRewardPayerGrain.Key).Wake().Ignore();

    private async Task WatchDeaths(CancellationToken stopping)
    {
        var dead = new HashSet<SiloAddress>(membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress));
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                var died = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (died.Count > 0) Wake();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The reminder still wakes the payer; this only makes it sooner.
            logger.LogWarning("Reward payer waker stopped watching the cluster's membership: {Reason}", e.Message);
        }
    }
}
