namespace Parity.Federation;

/// <summary>
/// One round as <c>GET …/sessions/{id}/rounds/{n}</c> shows it: its participants' updates (accepted, rejected with the
/// reason, failed, lost, late), its timings and its metrics.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlRoundView
{
    [Id(0)] public required int Round { get; init; }
    [Id(1)] public required string RoundId { get; init; }
    [Id(2)] public required FlRoundStatus Status { get; init; }
    [Id(3)] public required DateTimeOffset StartedAt { get; init; }
    [Id(4)] public required DateTimeOffset Deadline { get; init; }
    [Id(5)] public DateTimeOffset? ClosedAt { get; init; }
    /// <summary>Updates that close the round once the deadline has passed.</summary>
    [Id(6)] public required int Quorum { get; init; }
    [Id(7)] public required IReadOnlyList<FlUpdateView> Updates { get; init; }
    [Id(8)] public int Accepted { get; init; }
    [Id(9)] public int Rejected { get; init; }
    /// <summary>Why the round closed: all updates in, quorum at the deadline, quorum unreachable, cancelled.</summary>
    [Id(10)] public string? CloseReason { get; init; }
    [Id(11)] public FlRoundMetrics? Metrics { get; init; }
    /// <summary>From the update that completed the closing condition to the new global model.</summary>
    [Id(12)] public double? AggregationMs { get; init; }
    /// <summary>The participants that entered the aggregate (a robust strategy may use fewer than it accepted).</summary>
    [Id(13)] public IReadOnlyList<int>? Aggregated { get; init; }
    /// <summary>A histogram forest's round: the histogram exchanges (tree levels) merged so far.</summary>
    [Id(14)] public int? HistogramExchanges { get; init; }
    /// <summary>With differential privacy, once aggregated: the clip and noise of this round and the ε spent after it.</summary>
    [Id(15)] public FlRoundPrivacy? Privacy { get; init; }
    /// <summary>Under secure aggregation, a round restarted after the session failed over: its attempt (new keys). Null: the first.</summary>
    [Id(16)] public int? SecAggAttempt { get; init; }
}
