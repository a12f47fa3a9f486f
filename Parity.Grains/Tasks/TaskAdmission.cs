using Parity.Hosting;

namespace Parity.Tasks;

/// <summary>
/// This silo's way into the task queue's admission (<see cref="ITaskQueueGrain.TryAdmit"/>): the tasks submitted while
/// a call is on its way go together in the next one, so a burst costs the single queue grain one call per batch instead
/// of one per task.
/// </summary>
/// <remarks>
/// Why: every new task must pass the one grain that keeps TASK_QUEUE_LIMIT exact, and under a burst of webhooks that
/// call and its reply were a third of the messages a task cost. Nothing waits on a clock to fill a batch: the sender
/// yields once, so that the turns already queued on this silo (other task grains about to submit) add theirs, and
/// sends what is there; tasks that arrive while a batch is out go in the next. Measured under a burst of 20,000
/// webhooks: about 17 tasks per call (without the yield, 1.08: the queue answered before the next task came). The
/// queue decides each task in order, exactly as one call per task did. The calls run on the thread pool, never in a
/// task grain's turn: the batch belongs to no one task's activation.
/// </remarks>
public sealed class TaskAdmission(IGrainFactory grains)
{
    /// <summary>The most tasks one call carries; a burst larger than this goes in several calls, one after another.</summary>
    public const int MaxBatch = 512;

    private readonly Lock _gate = new();
    private List<Waiting> _waiting = [];
    private bool _sending;

    /// <summary>Admits the task unless the queue of unfinished tasks is full; true for a task already admitted.</summary>
    public Task<bool> TryAdmit(TaskSummary task)
    {
        var waiting = new Waiting(task, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            _waiting.Add(waiting);
            if (_sending) return waiting.Admitted.Task;
            _sending = true;
        }
        _ = Task.Run(Send);
        return waiting.Admitted.Task;
    }

    private async Task Send()
    {
        while (true)
        {
            // The work queued before this point (other grains' turns that are about to submit) runs first and joins.
            await Task.Yield();
            List<Waiting> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _sending = false;
                    return;
                }
                if (_waiting.Count <= MaxBatch)
                {
                    batch = _waiting;
                    _waiting = [];
                }
                else
                {
                    batch = _waiting.GetRange(0, MaxBatch);
                    _waiting.RemoveRange(0, MaxBatch);
                }
            }
            try
            {
                var admitted = await grains.Reference<ITaskQueueGrain>(0).TryAdmit(batch.Select(w => w.Task).ToList());
                if (admitted.Length != batch.Count)
                    throw new InvalidOperationException($"the task queue answered {admitted.Length} admissions for {batch.Count} tasks");
                for (var i = 0; i < batch.Count; i++) batch[i].Admitted.TrySetResult(admitted[i]);
            }
            catch (Exception e)
            {
                // Each submitter sees the failure its own call would have met (a silo dying, a timeout) and can retry.
                foreach (var waiting in batch) waiting.Admitted.TrySetException(e);
            }
        }
    }

    private sealed record Waiting(TaskSummary Task, TaskCompletionSource<bool> Admitted);
}
