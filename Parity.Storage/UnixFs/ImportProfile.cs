namespace Parity.Storage;

/// <summary>
/// How a file is cut into a UnixFS DAG. The CID of a file depends on every one of these choices, so a profile is named
/// and fixed: two importers that agree on the name agree on the CID.
/// </summary>
public sealed record ImportProfile(string Name, int CidVersion, bool RawLeaves, int ChunkSize, int MaxLinks)
{
    /// <summary>What Kubo's plain <c>ipfs add</c> gives: CIDv0, UnixFS File leaves, 256 KiB chunks, 174 links.</summary>
    public static ImportProfile Legacy { get; } = new("legacy", 0, false, 262_144, 174);

    /// <summary>The "unixfs-v1-2025" profile: CIDv1, raw leaves, 1 MiB chunks, 1024 links.</summary>
    public static ImportProfile V1_2025 { get; } = new("v1-2025", 1, true, 1_048_576, 1024);

    /// <summary>Chunks above this are refused: gateways and Bitswap do not pass blocks much over 2 MiB.</summary>
    public const int MaxChunkSize = 2_000_000;

    public static ImportProfile Parse(string name) => name switch
    {
        "legacy" => Legacy,
        "v1-2025" => V1_2025,
        _ => throw new ArgumentException($"import profile '{name}' is not known; the accepted names are 'legacy' and 'v1-2025'", nameof(name)),
    };

    /// <summary>Throws when a hand-made profile could not give a valid DAG.</summary>
    public void Validate()
    {
        if (CidVersion is not (0 or 1)) throw new ArgumentException($"profile '{Name}': CidVersion must be 0 or 1, got {CidVersion}");
        if (CidVersion == 0 && RawLeaves) throw new ArgumentException($"profile '{Name}': raw leaves need CIDv1 (a CIDv0 is always dag-pb)");
        if (ChunkSize is < 1 or > MaxChunkSize) throw new ArgumentException($"profile '{Name}': ChunkSize must be 1..{MaxChunkSize}, got {ChunkSize}");
        if (MaxLinks < 2) throw new ArgumentException($"profile '{Name}': MaxLinks must be at least 2, got {MaxLinks}");
    }
}
