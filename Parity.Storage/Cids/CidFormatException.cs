namespace Parity.Storage;

/// <summary>A CID, multihash or varint that is not well formed or not supported; the message says what was wrong.</summary>
public sealed class CidFormatException(string message) : FormatException(message);
