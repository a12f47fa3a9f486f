
namespace Parity.Storage;

/// <summary>
/// A runner's way to content by CID: blocks from its cache or the configured gateways (every one hashed against its
/// CID before it is used), the file's size checked against a cap before anything else is fetched.
/// </summary>
/// <param name="newFetch">A block source for one fetch (a gateway that lies is dropped for the rest of that fetch only).</param>
public sealed class ContentFetcher(Func<IBlockSource> newFetch)
{
    public ContentFetcher(IBlockSource blocks) : this(() => blocks)
    {
    }

    /// <summary>Writes the file to <paramref name="destination"/> and returns its size; over <paramref name="maxBytes"/> nothing is fetched but the root.</summary>
    public async Task<long> CopyToAsync(Cid cid, Stream destination, long maxBytes, string limitName, IProgress<long>? progress,
        CancellationToken cancellation)
    {
        var (blocks, stat) = await OpenAsync(cid, maxBytes, limitName, cancellation);
        await UnixFsReader.CopyToAsync(cid, blocks, destination, progress, cancellation);
        return stat.FileSize;
    }

    /// <summary>
    /// The file's blocks for reading: its size checked against the cap from the root block alone, then (from gateways)
    /// the whole DAG pulled as one CAR, and the next blocks prefetched while the reader works.
    /// </summary>
    private async Task<(IBlockSource Blocks, UnixFsStat Stat)> OpenAsync(Cid cid, long maxBytes, string limitName, CancellationToken cancellation)
    {
        var blocks = newFetch();
        var stat = await UnixFsReader.StatAsync(cid, blocks, cancellation);
        if (stat.FileSize > maxBytes)
            throw new ContentTooLargeException(maxBytes, $"{cid} is {stat.FileSize} bytes, over this runner's limit of {maxBytes} ({limitName})");
        // A CAR carries the DAG's nodes as well as the file's bytes: some room above the file size for them.
        if (blocks is GatewayFetch fetch) await fetch.PreloadAsync(cid, stat.FileSize + stat.FileSize / 16 + (1 << 20), cancellation);
        return (new PrefetchingBlockSource(blocks), stat);
    }

    public async Task<byte[]> ReadAllAsync(Cid cid, long maxBytes, string limitName, CancellationToken cancellation)
    {
        var (blocks, stat) = await OpenAsync(cid, maxBytes, limitName, cancellation);
        var bytes = new byte[stat.FileSize];
        var at = 0;
        await foreach (var chunk in UnixFsReader.ReadAsync(cid, blocks, cancellation: cancellation))
        {
            if (at + chunk.Length > bytes.Length)
                throw new DagPbFormatException($"{cid} holds more bytes than its stated size {stat.FileSize}");
            chunk.Span.CopyTo(bytes.AsSpan(at));
            at += chunk.Length;
        }
        return at == bytes.Length ? bytes : throw new DagPbFormatException($"{cid} holds {at} bytes, not its stated size {stat.FileSize}");
    }
}
