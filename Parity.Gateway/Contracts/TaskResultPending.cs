namespace Parity.Gateway.Contracts;

/// <summary>
/// <c>GET /api/v1/tasks/{id}/result</c> of a task that exists but has not finished (202): its status, so a client can
/// tell "wait" from an unknown id (404).
/// </summary>
public sealed record TaskResultPending(string Id, string Status, int Attempt, string? Runner, string Detail);
