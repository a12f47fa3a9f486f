namespace Parity.Storage;

/// <summary>A dag-pb node: its links in order and its opaque data (a UnixFS message for UnixFS nodes).</summary>
public sealed record PbNode(IReadOnlyList<PbLink> Links, byte[]? Data);
