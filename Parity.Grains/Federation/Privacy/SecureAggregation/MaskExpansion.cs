using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// The pseudo-random generator that stretches a 32-byte seed into a mask of ring words: AES-256 in counter mode, the
/// platform's AES applied (<see cref="SymmetricAlgorithm.EncryptEcb(ReadOnlySpan{byte}, PaddingMode)"/>) to the blocks
/// 0, 1, 2, … (block number as a 128-bit little-endian integer), each 16-byte output giving four little-endian words.
/// The seed is the AES key and is used for one mask only, so counter blocks never repeat under a key.
/// </summary>
public static class MaskExpansion
{
    public const int SeedBytes = 32;

    /// <summary>Blocks per AES call: 64 KiB of key stream, large enough to amortise the call, small enough for the cache.</summary>
    private const int ChunkBlocks = 4096;

    /// <summary>Adds (or, with <paramref name="subtract"/>, takes away) the mask of <paramref name="seed"/> to <paramref name="target"/>, mod 2^32.</summary>
    public static void Apply(Span<uint> target, ReadOnlySpan<byte> seed, bool subtract)
    {
        if (seed.Length != SeedBytes) throw new ArgumentException($"a mask seed is {SeedBytes} bytes, not {seed.Length}", nameof(seed));
        using var aes = Aes.Create();
        aes.Key = seed.ToArray();
        var counters = new byte[ChunkBlocks * 16];
        var stream = new byte[ChunkBlocks * 16];
        ulong block = 0;
        for (var offset = 0; offset < target.Length; offset += ChunkBlocks * 4)
        {
            var words = Math.Min(ChunkBlocks * 4, target.Length - offset);
            var blocks = (words + 3) / 4;
            for (var b = 0; b < blocks; b++, block++) BinaryPrimitives.WriteUInt64LittleEndian(counters.AsSpan(16 * b), block);
            aes.EncryptEcb(counters.AsSpan(0, 16 * blocks), stream, PaddingMode.None);
            var mask = MemoryMarshal.Cast<byte, uint>(stream.AsSpan(0, 16 * blocks))[..words];
            if (!BitConverter.IsLittleEndian)
                for (var i = 0; i < mask.Length; i++) mask[i] = BinaryPrimitives.ReverseEndianness(mask[i]);
            var slice = target.Slice(offset, words);
            // uint addition and subtraction wrap: exactly the ring's operations.
            if (subtract) TensorPrimitives.Subtract(slice, mask, slice);
            else TensorPrimitives.Add(slice, mask, slice);
        }
    }
}
