namespace Parity.Tests.Support;

/// <summary>Import parameters of the node's <c>add</c>; null leaves the node's default (Kubo's legacy profile).</summary>
public sealed record IpfsAddOptions(
    int? CidVersion = null,
    bool? RawLeaves = null,
    int? ChunkSize = null,
    int? MaxLinks = null,
    bool OnlyHash = false)
{
    /// <summary>Kubo's unixfs-v1-2025 profile: CIDv1, raw leaves, 1 MiB chunks, 1024 links per node.</summary>
    public static IpfsAddOptions UnixFsV1_2025 { get; } = new(CidVersion: 1, RawLeaves: true, ChunkSize: 1024 * 1024, MaxLinks: 1024);
}
