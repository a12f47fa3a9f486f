using System.Diagnostics.Metrics;

namespace Parity.Storage;

/// <summary>
/// The storage room's instruments (meter <c>Parity.Storage</c>): what runners fetched from IPFS gateways, recorded
/// where each block is hashed against its CID, so a byte counts only once it is verified.
/// </summary>
public static class StorageMetrics
{
    public const string Name = "Parity.Storage";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Fetched = Meter.CreateCounter<long>("parity.storage.fetched", "By",
        "Bytes of blocks fetched from a gateway that hashed to their CID");
    private static readonly Counter<long> Verified = Meter.CreateCounter<long>("parity.storage.blocks.verified", "{block}",
        "Blocks fetched from a gateway that hashed to their CID");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("parity.storage.blocks.rejected", "{block}",
        "Blocks (or CARs) a gateway served that did not hash to their CID or broke a cap; the gateway is dropped for that fetch");

    internal static void RecordVerified(Uri gateway, int bytes)
    {
        var tag = Gateway(gateway);
        Verified.Add(1, tag);
        Fetched.Add(bytes, tag);
    }

    internal static void RecordRejected(Uri gateway) => Rejected.Add(1, Gateway(gateway));

    private static KeyValuePair<string, object?> Gateway(Uri gateway) => new("storage.gateway", gateway.AbsoluteUri);
}
