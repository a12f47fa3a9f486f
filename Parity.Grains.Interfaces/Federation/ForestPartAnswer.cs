namespace Parity.Federation;

/// <summary>A part's histograms for one request (<c>HistogramWire</c> bytes) and the time it spent computing them.</summary>
[GenerateSerializer, Immutable]
public sealed record ForestPartAnswer
{
    [Id(0)] public required byte[] Histograms { get; init; }
    [Id(1)] public double ComputeMs { get; init; }
}
