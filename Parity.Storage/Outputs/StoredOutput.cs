namespace Parity.Storage;

/// <summary>A stream put in an <see cref="OutputStore"/>: its CID (profile v1-2025) and its length.</summary>
public sealed record StoredOutput(Cid Cid, long Bytes);
