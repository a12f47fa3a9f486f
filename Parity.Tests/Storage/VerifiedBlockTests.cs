using System.Text;
using Parity.Storage;

namespace Parity.Tests.Storage;

/// <summary>Blocks are hashed once on their way in: a verified block is made only by hashing, and stores trust it.</summary>
public sealed class VerifiedBlockTests
{
    private static readonly byte[] Bytes = Encoding.UTF8.GetBytes("a block of a file");
    private static readonly Cid Id = Cid.Of(Bytes, Multicodec.Raw, 1);

    [Fact]
    public void Only_bytes_that_hash_to_the_cid_make_a_verified_block()
    {
        Assert.Equal(Id, VerifiedBlock.Check(Id, Bytes).Cid);
        var tampered = (byte[])Bytes.Clone();
        tampered[0] ^= 1;
        Assert.StartsWith($"block bytes do not hash to {Id}", Assert.Throws<ArgumentException>(() => VerifiedBlock.Check(Id, tampered)).Message);
    }

    [Fact]
    public async Task Stores_refuse_unverified_bytes_put_by_cid_and_keep_what_they_were_given()
    {
        var store = new MemoryBlockstore();
        var tampered = (byte[])Bytes.Clone();
        tampered[^1] ^= 1;
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PutAsync(Id, tampered, CancellationToken.None));
        Assert.False(store.Has(Id));

        // A whole array handed over is kept as it is, not copied (a verified block's maker gives its bytes away).
        var owned = (byte[])Bytes.Clone();
        await store.PutAsync(VerifiedBlock.Check(Id, owned), CancellationToken.None);
        Assert.Same(owned, await store.GetAsync(Id, CancellationToken.None));
        // A slice of a larger buffer is copied: the rest of that buffer is not the block's.
        var buffer = new byte[Bytes.Length + 4];
        Bytes.CopyTo(buffer, 2);
        var other = new MemoryBlockstore();
        await other.PutAsync(VerifiedBlock.Check(Id, buffer.AsMemory(2, Bytes.Length)), CancellationToken.None);
        Assert.Equal(Bytes, await other.GetAsync(Id, CancellationToken.None));
        Assert.NotSame(buffer, await other.GetAsync(Id, CancellationToken.None));
    }
}
