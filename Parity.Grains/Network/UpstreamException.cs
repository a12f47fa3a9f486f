namespace Parity.Network;

/// <summary>
/// A call to the upstream server that did not get the answer the protocol promises, in words that name the route and
/// what came back. <see cref="Transient"/>: worth trying again later (the server was unreachable, timed out or answered
/// 5xx); otherwise the server refused the request (4xx) or answered something that is not the protocol.
/// </summary>
public sealed class UpstreamException(string route, string message, int? status, bool transient, Exception? inner = null)
    : Exception($"upstream {route}: {message}", inner)
{
    public string Route { get; } = route;
    /// <summary>The HTTP status of the answer; null when none came (connection refused, timeout).</summary>
    public int? Status { get; } = status;
    public bool Transient { get; } = transient;
    /// <summary>The server's <c>{"error":"…"}</c> text, when it sent one.</summary>
    public string? ServerError { get; init; }
}
