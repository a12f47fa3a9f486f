using System.Collections.Concurrent;

namespace Parity.Storage;

/// <summary>Blocks in memory keyed by multihash (tests, small caches). Puts are checked against their CID.</summary>
public sealed class MemoryBlockstore : IBlockStore
{
    private readonly ConcurrentDictionary<Multihash, byte[]> _blocks = new();

    public int Count => _blocks.Count;
    public long TotalBytes => _blocks.Values.Sum(b => (long)b.Length);

    public bool Has(Cid cid) => _blocks.ContainsKey(cid.Hash);

    public ValueTask<byte[]> GetAsync(Cid cid, CancellationToken cancellation) =>
        _blocks.TryGetValue(cid.Hash, out var block)
            ? ValueTask.FromResult(block)
            : ValueTask.FromException<byte[]>(new BlockNotFoundException(cid, $"block {cid} is not in the memory blockstore"));

    public ValueTask PutAsync(Cid cid, ReadOnlyMemory<byte> block, CancellationToken cancellation)
    {
        if (!cid.Matches(block.Span)) throw new ArgumentException($"block bytes do not hash to {cid}", nameof(block));
        _blocks.TryAdd(cid.Hash, block.ToArray());
        return ValueTask.CompletedTask;
    }
}
