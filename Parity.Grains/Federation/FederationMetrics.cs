using System.Diagnostics.Metrics;

namespace Parity.Federation;

/// <summary>
/// The federation room's instruments (meter <c>Parity.Federation</c>): rounds closed by the session grains, and how long
/// each took from its opening to its close.
/// </summary>
public static class FederationMetrics
{
    public const string Name = "Parity.Federation";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Rounds = Meter.CreateCounter<long>("parity.fl.rounds", "{round}",
        "Federated rounds closed, per model type and outcome (completed: aggregated; failed: the session failed with it)");
    private static readonly Histogram<double> RoundDuration = SecondsHistogram.Create(Meter, "parity.fl.round.duration",
        "A federated round from its opening to its close");

    public static void RecordRound(string modelType, bool completed, TimeSpan duration)
    {
        KeyValuePair<string, object?>[] tags =
            [new("fl.model_type", modelType), new("fl.round.status", completed ? "completed" : "failed")];
        Rounds.Add(1, tags);
        RoundDuration.Record(Math.Max(0, duration.TotalSeconds), tags);
    }
}
