namespace Parity.Storage;

/// <summary>A dag-pb link: the child's CID, an optional name and the child's cumulative size (Tsize).</summary>
public sealed record PbLink(Cid Hash, string? Name, ulong? Tsize);
