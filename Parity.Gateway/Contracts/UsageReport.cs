namespace Parity.Gateway.Contracts;

/// <summary><c>GET /api/v1/llm/usage</c>.</summary>
public sealed record UsageReport(IReadOnlyList<ClientUsage> Clients);
