namespace Parity.Gateway;

/// <summary>
/// A request body that could not be read to its end through the client's doing (cut off, too slow, the connection
/// gone): <see cref="StatusCode"/> is the answer (400, 408, 413), the message says what happened, for the client.
/// </summary>
public sealed class UnreadableBodyException(int statusCode, string message, Exception inner) : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;
}
