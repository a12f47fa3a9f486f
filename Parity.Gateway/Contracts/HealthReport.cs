namespace Parity.Gateway.Contracts;

/// <summary><c>/health</c>: healthy with the online runner count, or unhealthy with the reason the cluster did not answer.</summary>
public sealed record HealthReport(string Status, int? RunnersOnline = null, string? Error = null);
