using System.Diagnostics.Metrics;

namespace Parity;

/// <summary>Histograms of durations in seconds, with buckets that span what the cluster's work takes.</summary>
public static class SecondsHistogram
{
    /// <summary>
    /// From a few milliseconds (a shell echo, a cached block) to an hour (training, a model pull): the SDK's default
    /// buckets are milliseconds-sized and would put every minute-long task in the last one.
    /// </summary>
    public static readonly IReadOnlyList<double> Buckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    public static Histogram<double> Create(Meter meter, string name, string description) =>
        meter.CreateHistogram(name, "s", description, tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
}
