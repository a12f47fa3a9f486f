namespace Parity.Gateway.Storage;

/// <summary>What the cluster's storage holds under a CID: its type (file or raw block), size, blocks and where it is kept.</summary>
public sealed record ContentInfo(string Cid, string Type, long Size, long Blocks, bool Complete, IReadOnlyList<string> PinnedAt);
