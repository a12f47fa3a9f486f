namespace Parity.Gateway.Storage;

/// <summary>The answer to an upload or a pin: the CID, the file's size, its blocks, the import profile and where it is kept.</summary>
public sealed record StoredContent(string Cid, long Size, long Blocks, string Profile, IReadOnlyList<string> PinnedAt);
