using System.Collections.Concurrent;

namespace Parity.Storage;

/// <summary>Blocks in memory keyed by multihash (tests, small caches). Only verified blocks go in.</summary>
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

    public ValueTask PutAsync(VerifiedBlock block, CancellationToken cancellation)
    {
        // A whole array is kept as it is: a verified block's maker hands its bytes over (see VerifiedBlock.Bytes).
        var bytes = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(block.Bytes, out var segment)
                    && segment is { Offset: 0, Array: { } array } && segment.Count == array.Length
            ? array
            : block.Bytes.ToArray();
        _blocks.TryAdd(block.Cid.Hash, bytes);
        return ValueTask.CompletedTask;
    }
}
