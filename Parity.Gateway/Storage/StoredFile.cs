namespace Parity.Gateway.Storage;

/// <summary>
/// One entry of the storage's list: a file added by an upload (its multipart file name, when it had one) or a pin, its
/// size and blocks, the import profile ("pinned" for a pin), where it was kept then, and when.
/// </summary>
public sealed record StoredFile(string Cid, string? Name, long Size, long Blocks, string Profile, IReadOnlyList<string> PinnedAt,
    DateTimeOffset UploadedAt);
