namespace Parity.Gateway.Contracts;

/// <summary>
/// <c>/health</c>: healthy with the online runner count; degraded with it and what failed (a co-hosted silo's tunnel);
/// or unhealthy with the reason the cluster did not answer.
/// </summary>
public sealed record HealthReport(string Status, int? RunnersOnline = null, string? Error = null);
