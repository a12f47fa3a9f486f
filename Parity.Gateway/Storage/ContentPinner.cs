using Parity.Configuration;
using Parity.Storage;

namespace Parity.Gateway.Storage;

/// <summary>
/// Pins a CID here: its blocks are fetched from IPFS_GATEWAYS, each verified, into the cluster's blockstore (what is
/// there already is not fetched again), then sent to the IPFS node when one is configured.
/// </summary>
public sealed class ContentPinner(ContentStore store, StorageOptions options, IHttpClientFactory http, ILoggerFactory logs)
{
    public async Task<StoredContent> PinAsync(Cid cid, CancellationToken cancellation)
    {
        var remote = RemoteBlocks.Create(http.CreateClient(nameof(ContentPinner)), options.Gateways, options, logs);
        var fetch = new GatewayFetch(store.Blocks, remote);
        var stat = await UnixFsReader.StatAsync(cid, fetch, cancellation);
        if (stat.FileSize > store.MaxFileBytes)
            throw new ContentTooLargeException(store.MaxFileBytes,
                $"{cid} is {stat.FileSize} bytes, over {store.MaxFileBytes} (STORAGE_MAX_FILE_SIZE)");
        await fetch.PreloadAsync(cid, stat.FileSize + stat.FileSize / 16 + (1 << 20), cancellation);
        var source = new PrefetchingBlockSource(fetch);
        // Reading the file through the caching source stores every block it is made of, verified on arrival.
        await UnixFsReader.CopyToAsync(cid, source, Stream.Null, cancellation: cancellation);
        var onNode = await store.PinOnNodeAsync(cid, cancellation);
        var info = await store.InfoAsync(cid, cancellation);
        return new StoredContent(cid.ToString(), stat.FileSize, info?.Blocks ?? 0, "pinned",
            onNode ? ["cluster", store.Node!.ApiUrl.ToString()] : ["cluster"]);
    }
}
