namespace Parity.Storage;

/// <summary>What a root names: a UnixFS File (dag-pb) or a bare raw block, and the file's size in bytes.</summary>
public sealed record UnixFsStat(Cid Root, UnixFsType Type, long FileSize);
