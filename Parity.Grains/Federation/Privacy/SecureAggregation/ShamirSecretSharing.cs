using System.Numerics;
using System.Security.Cryptography;

namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Shamir's t-of-n secret sharing of 32-byte secrets over the prime field of p = 2^521 − 1. A secret s becomes the
/// constant term of a random polynomial of degree t − 1; the share of participant x is the polynomial at x (x ≥ 1); any
/// t shares give s back by Lagrange interpolation at 0, and t − 1 shares are uniformly distributed whatever s is.
/// <para>
/// Why this prime: the field must be larger than every secret (32 bytes, below 2^256) so that a secret is one field
/// element and comes back exactly. The Mersenne prime 2^521 − 1 is a well-known prime (the modulus of NIST P-521), so
/// its primality needs no trust in a constant typed here (the tests also check it), and it is far above 2^256. Its
/// shares are 66 bytes; a 257-bit prime would give 33-byte shares, but shares are a small part of a round's traffic
/// (two per peer, against an update of 4 bytes a coordinate).
/// </para>
/// </summary>
public static class ShamirSecretSharing
{
    public const int SecretBytes = 32;

    /// <summary>A share's encoding: the field element, unsigned big-endian, left-padded to 66 bytes (528 ≥ 521 bits).</summary>
    public const int ShareBytes = 66;

    public static BigInteger Prime { get; } = (BigInteger.One << 521) - 1;

    /// <summary>The shares of <paramref name="secret"/> for the holders at <paramref name="xs"/> (distinct, from 1 up), in that order.</summary>
    public static byte[][] Split(ReadOnlySpan<byte> secret, int threshold, IReadOnlyList<int> xs)
    {
        if (secret.Length != SecretBytes) throw new ArgumentException($"a shared secret is {SecretBytes} bytes, not {secret.Length}", nameof(secret));
        if (threshold < 1) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Shamir: threshold must be ≥ 1");
        CheckXs(xs, nameof(xs));
        if (xs.Count < threshold)
            throw new ArgumentException($"Shamir: {xs.Count} holders cannot meet a threshold of {threshold}", nameof(xs));
        var coefficients = new BigInteger[threshold];
        coefficients[0] = new BigInteger(secret, isUnsigned: true, isBigEndian: true);
        for (var i = 1; i < threshold; i++) coefficients[i] = RandomFieldElement();
        var shares = new byte[xs.Count][];
        for (var k = 0; k < xs.Count; k++)
        {
            // Horner's rule, reduced at every step.
            var x = new BigInteger(xs[k]);
            var y = BigInteger.Zero;
            for (var i = threshold - 1; i >= 0; i--) y = (y * x + coefficients[i]) % Prime;
            shares[k] = Encode(y);
        }
        return shares;
    }

    /// <summary>
    /// The secret behind <paramref name="shares"/>, those of the holders at <paramref name="xs"/>. Exactly threshold
    /// shares are needed; more are not checked against each other (the caller passes t of them).
    /// </summary>
    /// <exception cref="SecureAggregationException">A share is malformed, or the shares interpolate to no 32-byte secret.</exception>
    public static byte[] Combine(IReadOnlyList<int> xs, IReadOnlyList<byte[]> shares) => Combine(xs, LagrangeAtZero(xs), shares);

    /// <summary>
    /// As <see cref="Combine(IReadOnlyList{int}, IReadOnlyList{byte[]})"/> with the holders' Lagrange coefficients
    /// computed once (<see cref="LagrangeAtZero"/>): each costs a modular inversion, about a millisecond at this field
    /// size, while a server rebuilds many secrets from the same holders.
    /// </summary>
    public static byte[] Combine(IReadOnlyList<int> xs, IReadOnlyList<BigInteger> lagrange, IReadOnlyList<byte[]> shares)
    {
        if (xs.Count != shares.Count || xs.Count != lagrange.Count || xs.Count == 0)
            throw new ArgumentException("Shamir: one share and one coefficient per holder, and at least one holder", nameof(shares));
        var secret = BigInteger.Zero;
        for (var i = 0; i < xs.Count; i++)
        {
            if (shares[i].Length != ShareBytes)
                throw new SecureAggregationException($"the share of holder {xs[i]} is {shares[i].Length} bytes, not {ShareBytes}");
            var y = new BigInteger(shares[i], isUnsigned: true, isBigEndian: true);
            if (y >= Prime) throw new SecureAggregationException($"the share of holder {xs[i]} is not a field element");
            secret = (secret + y * lagrange[i]) % Prime;
        }
        // A secret was below 2^256; anything larger means the shares were not of one secret.
        if (secret.GetByteCount(isUnsigned: true) > SecretBytes)
            throw new SecureAggregationException("the shares do not rebuild a 32-byte secret (inconsistent shares)");
        var bytes = new byte[SecretBytes];
        secret.TryWriteBytes(bytes.AsSpan(SecretBytes - secret.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    /// <summary>The Lagrange basis polynomials of the holders at <paramref name="xs"/>, evaluated at 0: Π_{j≠i} x_j / (x_j − x_i).</summary>
    public static BigInteger[] LagrangeAtZero(IReadOnlyList<int> xs)
    {
        CheckXs(xs, nameof(xs));
        var coefficients = new BigInteger[xs.Count];
        for (var i = 0; i < xs.Count; i++)
        {
            BigInteger numerator = BigInteger.One, denominator = BigInteger.One;
            for (var j = 0; j < xs.Count; j++)
            {
                if (j == i) continue;
                numerator = numerator * xs[j] % Prime;
                denominator = denominator * Mod(xs[j] - xs[i]) % Prime;
            }
            // Fermat: a^(p−2) is the inverse of a in the prime field.
            coefficients[i] = numerator * BigInteger.ModPow(denominator, Prime - 2, Prime) % Prime;
        }
        return coefficients;
    }

    private static BigInteger Mod(long value) => ((value % Prime) + Prime) % Prime;

    private static void CheckXs(IReadOnlyList<int> xs, string name)
    {
        if (xs.Any(x => x < 1)) throw new ArgumentException("Shamir: holder coordinates start at 1 (the secret sits at 0)", name);
        if (xs.Distinct().Count() != xs.Count) throw new ArgumentException("Shamir: holder coordinates must be distinct", name);
    }

    /// <summary>Uniform in [0, p): 521 random bits, drawn again in the one case (all ones, p itself) that falls outside.</summary>
    private static BigInteger RandomFieldElement()
    {
        Span<byte> bytes = stackalloc byte[ShareBytes];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            bytes[0] &= 0x01;  // 528 − 521 = 7 high bits cleared
            var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            if (value < Prime) return value;
        }
    }

    private static byte[] Encode(BigInteger value)
    {
        var bytes = new byte[ShareBytes];
        var count = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(bytes.AsSpan(ShareBytes - count), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }
}
