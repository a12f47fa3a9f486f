using Microsoft.Extensions.Logging;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>Renews a running attempt's lease on its task grain until the work is done or the grain disowns it.</summary>
public static class LeaseRenewal
{
    /// <param name="disowned">Called once when the grain answers that the attempt is no longer current.</param>
    public static Task RunAsync(ITaskGrain task, int attempt, TimeSpan interval, CancellationToken done, Action disowned,
        ILogger logger) => Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(done))
            {
                try
                {
                    // Bounded by the interval: a call to a task grain whose silo just died waits out the response
                    // timeout (30 s, as long as a lease), and the renewals must reach the grain's new activation meanwhile.
                    if (await task.RenewLease(attempt).WaitAsync(interval, done)) continue;
                    disowned();
                    return;
                }
                catch (Exception e) when (!done.IsCancellationRequested)
                {
                    // A renewal that fails is retried at the next tick: the lease outlasts two missed renewals.
                    logger.LogDebug(e, "Lease renewal for {TaskId} failed; retrying", task.GetPrimaryKeyString());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    });
}
