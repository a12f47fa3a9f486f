using Parity.Federation;

namespace Parity.Gateway.Contracts;

/// <summary><c>GET /api/v1/federated-learning/sessions</c>.</summary>
public sealed record FlSessionList(IReadOnlyList<FlSessionSummary> Sessions, int Count);
