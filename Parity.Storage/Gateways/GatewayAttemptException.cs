namespace Parity.Storage;

/// <summary>Why one gateway did not give one block; <see cref="Transient"/> errors are retried at that gateway.</summary>
internal sealed class GatewayAttemptException(string message, GatewayFailure kind) : Exception(message)
{
    public GatewayFailure Kind { get; } = kind;
    public bool Transient => Kind == GatewayFailure.Transient;
}

internal enum GatewayFailure
{
    /// <summary>5xx, 429, a refused or dropped connection: worth asking again.</summary>
    Transient,
    /// <summary>The gateway does not have the block (404, 410) or refuses the request otherwise.</summary>
    Missing,
    /// <summary>No byte for the stall timeout.</summary>
    Stalled,
    /// <summary>The bytes are not the block: wrong hash, or larger than any block may be. The gateway is dropped.</summary>
    Bad,
}
