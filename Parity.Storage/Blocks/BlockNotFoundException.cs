namespace Parity.Storage;

/// <summary>No source had a block (or none could prove the bytes it offered); the message says which and why.</summary>
public sealed class BlockNotFoundException(Cid cid, string message) : Exception(message)
{
    public Cid Cid { get; } = cid;
}
