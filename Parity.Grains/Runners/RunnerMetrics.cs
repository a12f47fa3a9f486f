using System.Diagnostics.Metrics;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>
/// The runner room's instruments (meter <c>Parity.Runners</c>): each silo's slots, and how long its executions take.
/// </summary>
public static class RunnerMetrics
{
    public const string Name = "Parity.Runners";

    private static readonly Meter Meter = new(Name);
    private static readonly MetricSources<int> Slots = new();

    private static readonly Histogram<double> RunDuration = SecondsHistogram.Create(Meter, "parity.task.run.duration",
        "One attempt's execution on a runner, from the slot taken to the slot freed");

    static RunnerMetrics() =>
        Meter.CreateObservableUpDownCounter("parity.runner.slots", Slots.Observe, "{slot}",
            "This runner's task slots (RUNNER_MAX_CONCURRENT_TASKS), used or free");

    /// <summary>Observes the runner's slots while the registration lives.</summary>
    public static IDisposable ObserveSlots(string runner, Func<(int Used, int Total)> slots) => Slots.Add(() =>
    {
        var (used, total) = slots();
        return [new(used, Runner(runner), new("slot.state", "used")),
                new(Math.Max(0, total - used), Runner(runner), new("slot.state", "free"))];
    });

    public static void RecordRun(string runner, TaskType type, TimeSpan elapsed) =>
        RunDuration.Record(elapsed.TotalSeconds, Runner(runner), TaskMetrics.Type(type));

    private static KeyValuePair<string, object?> Runner(string name) => new("runner.name", name);
}
