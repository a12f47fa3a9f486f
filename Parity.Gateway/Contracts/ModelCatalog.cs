namespace Parity.Gateway.Contracts;

/// <summary><c>GET /api/v1/llm/models</c>: the models online runners serve, and the runners that may pull a missing one.</summary>
public sealed record ModelCatalog(IEnumerable<ServedModel> Models, IEnumerable<string> CanPull);
