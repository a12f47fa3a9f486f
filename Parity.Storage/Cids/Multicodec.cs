namespace Parity.Storage;

/// <summary>The multicodec codes this storage room understands (the multicodec table's values).</summary>
public static class Multicodec
{
    public const ulong Identity = 0x00;
    public const ulong Sha2_256 = 0x12;
    public const ulong Raw = 0x55;
    public const ulong DagPb = 0x70;

    public static string Name(ulong code) => code switch
    {
        Identity => "identity",
        Sha2_256 => "sha2-256",
        Raw => "raw",
        DagPb => "dag-pb",
        0x71 => "dag-cbor",
        0x0129 => "dag-json",
        0x13 => "sha2-512",
        0x1e => "blake3",
        0xb220 => "blake2b-256",
        _ => $"0x{code:x}",
    };
}
