using Parity.Storage;

namespace Parity.Tests.Support;

/// <summary>An in-memory block store for tests; it checks every block it is given against its CID.</summary>
public sealed class MemoryBlockStore : IBlockSource, IBlockSink
{
    private readonly Dictionary<Cid, byte[]> _blocks = [];

    public int Count => _blocks.Count;

    public ValueTask<byte[]> GetAsync(Cid cid, CancellationToken cancellation) =>
        _blocks.TryGetValue(cid, out var block)
            ? ValueTask.FromResult(block)
            : ValueTask.FromException<byte[]>(new BlockNotFoundException(cid, $"{cid} is not in this test store"));

    public ValueTask PutAsync(Cid cid, ReadOnlyMemory<byte> block, CancellationToken cancellation)
    {
        Assert.True(cid.Matches(block.Span), $"block put under {cid} does not hash to it");
        _blocks[cid] = block.ToArray();
        return ValueTask.CompletedTask;
    }
}
