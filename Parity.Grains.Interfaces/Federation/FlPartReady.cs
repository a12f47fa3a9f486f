namespace Parity.Federation;

/// <summary>A prepared part: the rows it trains on, the dataset's size, and how long fetching and parsing took.</summary>
[GenerateSerializer, Immutable]
public sealed record FlPartReady
{
    [Id(0)] public required int Rows { get; init; }
    [Id(1)] public required long DatasetBytes { get; init; }
    [Id(2)] public double Milliseconds { get; init; }
}
