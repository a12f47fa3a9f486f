using System.Diagnostics;
using System.Diagnostics.Metrics;
using Parity.Json;

namespace Parity.Tasks;

/// <summary>
/// The task room's instruments (meter <c>Parity.Tasks</c>), recorded by the task grains where a task is admitted,
/// finishes and is re-dispatched, and by the queue for what is unfinished; and the task path's activity source. Each
/// count is kept by the process whose grain recorded it: Prometheus sums over the silos.
/// </summary>
public static class TaskMetrics
{
    public const string Name = "Parity.Tasks";

    private static readonly Meter Meter = new(Name);

    /// <summary>Spans of the task path: a task's dispatch to a runner, and its execution there.</summary>
    public static readonly ActivitySource Activities = new(Name);

    private static readonly Counter<long> Submitted = Meter.CreateCounter<long>("parity.tasks.submitted", "{task}",
        "Tasks admitted to the cluster (a duplicate submission or one refused as busy is not counted)");
    private static readonly Counter<long> Completed = Meter.CreateCounter<long>("parity.tasks.completed", "{task}",
        "Tasks that finished with exit code 0 and no error");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("parity.tasks.failed", "{task}",
        "Tasks that finished failed: non-zero exit, an error, no runner, or out of attempts");
    private static readonly Counter<long> Cancelled = Meter.CreateCounter<long>("parity.tasks.cancelled", "{task}",
        "Tasks cancelled before they finished");
    private static readonly Counter<long> Redispatched = Meter.CreateCounter<long>("parity.tasks.redispatched", "{task}",
        "Attempts lost (a runner's silo died or its lease lapsed) after which the task was offered again");
    private static readonly Histogram<double> Duration = SecondsHistogram.Create(Meter, "parity.task.duration",
        "From a task's submission to its end, waiting and every attempt included");

    private static readonly MetricSources<int> Queues = new();

    static TaskMetrics() =>
        Meter.CreateObservableUpDownCounter("parity.tasks.unfinished", Queues.Observe, "{task}",
            "Tasks the cluster holds unfinished (TASK_QUEUE_LIMIT bounds them), pending or running; reported by the " +
            "one silo that hosts the queue");

    public static void RecordSubmitted(TaskType type) => Submitted.Add(1, Type(type));

    public static void RecordFinished(TaskType type, TaskState status, TimeSpan sinceAdmitted)
    {
        var counter = status switch
        {
            TaskState.Completed => Completed,
            TaskState.Failed => Failed,
            TaskState.Cancelled => Cancelled,
            _ => null,
        };
        if (counter is null) return;
        counter.Add(1, Type(type));
        Duration.Record(Math.Max(0, sinceAdmitted.TotalSeconds), Type(type), new("task.status", ParityJson.WireName(status)));
    }

    public static void RecordRedispatched(TaskType type) => Redispatched.Add(1, Type(type));

    /// <summary>The queue's counts of pending and running tasks, observed while the registration lives.</summary>
    public static IDisposable ObserveQueue(Func<(int Pending, int Running)> counts) => Queues.Add(() =>
    {
        var (pending, running) = counts();
        return [new(pending, new KeyValuePair<string, object?>("task.status", "pending")),
                new(running, new KeyValuePair<string, object?>("task.status", "running"))];
    });

    public static KeyValuePair<string, object?> Type(TaskType type) => new("task.type", ParityJson.WireName(type));
}
