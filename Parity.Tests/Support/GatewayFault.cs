namespace Parity.Tests.Support;

/// <summary>What a <see cref="FaultyGateway"/> does wrong.</summary>
public enum GatewayFault
{
    None,
    /// <summary>The right block with one bit flipped.</summary>
    FlipBit,
    /// <summary>A different, valid block.</summary>
    OtherBlock,
    /// <summary>Announces the block's length, sends half, closes.</summary>
    Truncate,
    /// <summary>3 MiB of bytes, no length announced.</summary>
    Oversized,
    /// <summary>3 MiB announced in Content-Length.</summary>
    OversizedAnnounced,
    /// <summary>Headers, then nothing.</summary>
    Stall,
    ServerError,
    TooManyRequests,
    NotFound,
}
