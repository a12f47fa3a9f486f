using System.Collections.Concurrent;

namespace Parity.Execution;

/// <summary>
/// One thread that lives as long as the process and makes every spawn. A child's parent-death signal
/// (PR_SET_PDEATHSIG, which bubblewrap's --die-with-parent sets) fires when the *thread* that forked it exits, not the
/// process: spawned from a thread-pool thread that the pool later retires, a healthy sandbox would be SIGKILLed mid-task.
/// </summary>
internal static class SpawnThread
{
    private static readonly BlockingCollection<Action> Work = [];

    static SpawnThread()
    {
        var thread = new Thread(() =>
        {
            foreach (var work in Work.GetConsumingEnumerable()) work();
        })
        {
            IsBackground = true,
            Name = "parity-spawn",
        };
        thread.Start();
    }

    /// <summary>Runs <paramref name="spawn"/> on the spawn thread and returns its result (or rethrows its exception).</summary>
    public static T Run<T>(Func<T> spawn)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Work.Add(() =>
        {
            try
            {
                done.SetResult(spawn());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }
}
