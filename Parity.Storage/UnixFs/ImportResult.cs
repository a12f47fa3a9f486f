namespace Parity.Storage;

/// <summary>An imported file: its root CID, its size, how many blocks and how many bytes of blocks it took.</summary>
public sealed record ImportResult(Cid Root, long FileSize, long BlockCount, long DagSize);
