
namespace Parity.Storage;

/// <summary>
/// A runner's way to content by CID: blocks from its cache or the configured gateways (every one hashed against its
/// CID before it is used), the file's size checked against a cap before anything else is fetched.
/// </summary>
public sealed class ContentFetcher(IBlockSource blocks)
{
    public IBlockSource Blocks { get; } = blocks;

    /// <summary>Writes the file to <paramref name="destination"/> and returns its size; over <paramref name="maxBytes"/> nothing is fetched but the root.</summary>
    public async Task<long> CopyToAsync(Cid cid, Stream destination, long maxBytes, string limitName, IProgress<long>? progress,
        CancellationToken cancellation)
    {
        var stat = await UnixFsReader.StatAsync(cid, Blocks, cancellation);
        if (stat.FileSize > maxBytes)
            throw new ContentTooLargeException(maxBytes, $"{cid} is {stat.FileSize} bytes, over this runner's limit of {maxBytes} ({limitName})");
        await UnixFsReader.CopyToAsync(cid, Blocks, destination, progress, cancellation);
        return stat.FileSize;
    }

    public async Task<byte[]> ReadAllAsync(Cid cid, long maxBytes, string limitName, CancellationToken cancellation)
    {
        var stat = await UnixFsReader.StatAsync(cid, Blocks, cancellation);
        if (stat.FileSize > maxBytes)
            throw new ContentTooLargeException(maxBytes, $"{cid} is {stat.FileSize} bytes, over this runner's limit of {maxBytes} ({limitName})");
        var bytes = new byte[stat.FileSize];
        var at = 0;
        await foreach (var chunk in UnixFsReader.ReadAsync(cid, Blocks, cancellation: cancellation))
        {
            if (at + chunk.Length > bytes.Length)
                throw new DagPbFormatException($"{cid} holds more bytes than its stated size {stat.FileSize}");
            chunk.Span.CopyTo(bytes.AsSpan(at));
            at += chunk.Length;
        }
        return at == bytes.Length ? bytes : throw new DagPbFormatException($"{cid} holds {at} bytes, not its stated size {stat.FileSize}");
    }
}
