using System.Security.Cryptography;
using Parity.Federation.Privacy.SecureAggregation;

namespace Parity.Tests.Federation.Privacy.SecureAggregation;

public sealed class MaskExpansionTests
{
    [Fact]
    public void A_mask_is_AES_256_CTR_key_stream_from_block_zero()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        var words = new uint[8];
        MaskExpansion.Apply(words, seed, subtract: false);
        // The reference: ECB of the counter blocks 0 and 1 (little-endian), straight from the platform.
        using var aes = Aes.Create();
        aes.Key = seed;
        var counters = new byte[32];
        counters[16] = 1;
        var stream = aes.EncryptEcb(counters, PaddingMode.None);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => BitConverter.ToUInt32(stream, 4 * i)), words);
    }

    [Fact]
    public void The_same_seed_gives_the_same_mask_across_chunks_and_subtracting_it_restores_the_vector()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        // Longer than one 16,384-word chunk and not a multiple of four words.
        var long_ = new uint[40_003];
        MaskExpansion.Apply(long_, seed, subtract: false);
        var short_ = new uint[16_387];
        MaskExpansion.Apply(short_, seed, subtract: false);
        Assert.Equal(short_, long_[..16_387]);
        Assert.True(long_.Distinct().Count() > 39_000, "a mask of 40,003 words should hardly repeat a word");

        var vector = Enumerable.Range(0, 40_003).Select(i => (uint)i * 2654435761u).ToArray();
        var copy = vector.ToArray();
        MaskExpansion.Apply(copy, seed, subtract: false);
        Assert.NotEqual(vector, copy);
        MaskExpansion.Apply(copy, seed, subtract: true);
        Assert.Equal(vector, copy);

        var other = new uint[16_387];
        MaskExpansion.Apply(other, RandomNumberGenerator.GetBytes(32), subtract: false);
        Assert.NotEqual(short_, other);
    }

    [Fact]
    public void A_seed_of_the_wrong_length_is_rejected() =>
        Assert.Contains("32 bytes", Assert.Throws<ArgumentException>(() => MaskExpansion.Apply(new uint[4], new byte[16], false)).Message);
}
