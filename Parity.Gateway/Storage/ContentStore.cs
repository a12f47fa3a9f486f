using Parity.Configuration;
using Parity.Storage;

namespace Parity.Gateway.Storage;

/// <summary>
/// The cluster's own content: a blockstore on disk (STORAGE_DIR) that uploads are imported into and /ipfs/{cid} serves
/// from, so the one-command cluster is a trustless gateway with no IPFS node. With IPFS_API_URL every upload and pin is
/// also sent to that node.
/// </summary>
public sealed class ContentStore
{
    private readonly StorageOptions _options;
    private readonly ILogger<ContentStore> _logger;

    public ContentStore(StorageOptions options, IHttpClientFactory http, ILogger<ContentStore> logger)
    {
        _options = options;
        _logger = logger;
        Directory.CreateDirectory(options.Directory);
        Blocks = new FileBlockstore(options.Directory);
        Node = options.IpfsApiUrl is { } api ? new KuboRpcClient(http.CreateClient(nameof(ContentStore)), api) : null;
    }

    public FileBlockstore Blocks { get; }
    public KuboRpcClient? Node { get; }
    public long MaxFileBytes => _options.MaxFileBytes;

    /// <summary>Imports <paramref name="content"/> (under STORAGE_MAX_FILE_SIZE) and, with a node configured, pins it there.</summary>
    public async Task<StoredContent> AddAsync(Stream content, ImportProfile profile, CancellationToken cancellation)
    {
        var capped = new CappedReadStream(content, _options.MaxFileBytes, "STORAGE_MAX_FILE_SIZE");
        var imported = await UnixFsImporter.ImportAsync(capped, profile, Blocks, cancellation: cancellation);
        _logger.LogInformation("Stored {Cid}: {Bytes} bytes in {Blocks} blocks ({Profile})",
            imported.Root, imported.FileSize, imported.BlockCount, profile.Name);
        var onNode = await PinOnNodeAsync(imported.Root, cancellation);
        return new StoredContent(imported.Root.ToString(), imported.FileSize, imported.BlockCount, profile.Name, PinnedAt(onNode));
    }

    /// <summary>What is stored here under <paramref name="cid"/>, or null when its root block is not.</summary>
    public async Task<ContentInfo?> InfoAsync(Cid cid, CancellationToken cancellation)
    {
        if (!Blocks.Has(cid)) return null;
        var stat = await UnixFsReader.StatAsync(cid, Blocks, cancellation);
        var (blocks, complete) = await CountBlocksAsync(cid, cancellation);
        return new ContentInfo(cid.ToString(), stat.Type == UnixFsType.Raw ? "raw" : "file", stat.FileSize, blocks, complete,
            PinnedAt(onNode: false));
    }

    /// <summary>Sends the DAG to the IPFS node when one is configured; false when none is.</summary>
    public async Task<bool> PinOnNodeAsync(Cid cid, CancellationToken cancellation)
    {
        if (Node is null) return false;
        await Node.ImportAsync(cid, Blocks, cancellation);
        _logger.LogInformation("Pinned {Cid} on the IPFS node at {Node}", cid, Node.ApiUrl);
        return true;
    }

    private IReadOnlyList<string> PinnedAt(bool onNode) => onNode ? ["cluster", Node!.ApiUrl.ToString()] : ["cluster"];

    /// <summary>Blocks in the DAG, walking dag-pb nodes only (a raw leaf is counted by its link); false if one is missing.</summary>
    private async Task<(long Blocks, bool Complete)> CountBlocksAsync(Cid root, CancellationToken cancellation)
    {
        long count = 0;
        var pending = new Stack<Cid>([root]);
        while (pending.TryPop(out var cid))
        {
            count++;
            if (!Blocks.Has(cid)) return (count, false);
            if (cid.Codec != Multicodec.DagPb) continue;
            var node = DagPbCodec.Decode(await Blocks.GetAsync(cid, cancellation));
            foreach (var link in node.Links) pending.Push(link.Hash);
        }
        return (count, true);
    }
}
