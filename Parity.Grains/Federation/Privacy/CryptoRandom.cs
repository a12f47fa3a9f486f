using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Parity.Federation.Privacy;

/// <summary>
/// A <see cref="Random"/> whose every draw comes from the operating system's cryptographic generator
/// (<see cref="RandomNumberGenerator"/>), for the noise of differential privacy. The noise must be unpredictable to
/// whoever receives the noised value: a generator seeded from anything the session knows (its seed is in its view)
/// would let the session, or any reader of the view, draw the same noise and subtract it.
/// </summary>
public sealed class CryptoRandom : Random
{
    /// <summary>Uniform in [0, 1) with the 53 bits a double holds.</summary>
    public override double NextDouble()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return (BinaryPrimitives.ReadUInt64LittleEndian(bytes) >> 11) * (1.0 / (1UL << 53));
    }

    protected override double Sample() => NextDouble();

    public override int Next() => RandomNumberGenerator.GetInt32(int.MaxValue);

    public override int Next(int maxValue) => maxValue == 0 ? 0 : RandomNumberGenerator.GetInt32(maxValue);

    public override int Next(int minValue, int maxValue) => minValue == maxValue ? minValue : RandomNumberGenerator.GetInt32(minValue, maxValue);

    public override void NextBytes(byte[] buffer) => RandomNumberGenerator.Fill(buffer);

    public override void NextBytes(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);
}
