namespace Parity.Federation;

/// <summary>
/// One step of a session, as <c>GET …/sessions/{id}/events</c> streams it. <see cref="Type"/>: session_started,
/// round_started, update_received, update_rejected, participant_lost, round_aggregated, round_failed,
/// session_completed, session_failed, session_cancelled. <see cref="Sequence"/> orders them (from 1), so a client that
/// reconnects asks for what follows the last one it saw.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlSessionEvent
{
    [Id(0)] public required long Sequence { get; init; }
    [Id(1)] public required DateTimeOffset Time { get; init; }
    [Id(2)] public required string Type { get; init; }
    [Id(3)] public int? Round { get; init; }
    [Id(4)] public string? Runner { get; init; }
    [Id(5)] public required string Message { get; init; }
    [Id(6)] public FlRoundMetrics? Metrics { get; init; }
    /// <summary>The session's status after this event.</summary>
    [Id(7)] public required FlSessionStatus Status { get; init; }
    /// <summary><c>round_aggregated</c> with differential privacy: the round's clip, noise and the ε spent after it.</summary>
    [Id(8)] public FlRoundPrivacy? Privacy { get; init; }
}
