namespace Parity.Federation;

/// <summary>A session in the session index: enough to list sessions and to wake the unfinished ones.</summary>
[GenerateSerializer, Immutable]
public sealed record FlSessionSummary
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required string ModelType { get; init; }
    [Id(3)] public required FlSessionStatus Status { get; init; }
    [Id(4)] public required int CurrentRound { get; init; }
    [Id(5)] public required int TotalRounds { get; init; }
    [Id(6)] public string? CreatorAddress { get; init; }
    [Id(7)] public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>When its status or round last changed (the index hears of nothing else).</summary>
    [Id(8)] public required DateTimeOffset UpdatedAt { get; init; }
}
