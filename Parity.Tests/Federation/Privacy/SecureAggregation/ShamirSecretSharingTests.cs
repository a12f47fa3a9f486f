using System.Numerics;
using System.Security.Cryptography;
using Parity.Federation.Privacy.SecureAggregation;

namespace Parity.Tests.Federation.Privacy.SecureAggregation;

public sealed class ShamirSecretSharingTests
{
    [Fact]
    public void The_field_modulus_is_the_mersenne_prime_2_to_the_521_minus_1()
    {
        // Lucas–Lehmer: M_p = 2^p − 1 (p an odd prime) is prime iff s_{p−2} ≡ 0, s_0 = 4, s_{k+1} = s_k² − 2 mod M_p.
        var m = ShamirSecretSharing.Prime;
        Assert.Equal((BigInteger.One << 521) - 1, m);
        var s = new BigInteger(4);
        for (var k = 0; k < 521 - 2; k++) s = (s * s - 2) % m;
        Assert.Equal(BigInteger.Zero, s);
        // Every 32-byte secret is a field element.
        Assert.True(BigInteger.One << (8 * ShamirSecretSharing.SecretBytes) < m);
    }

    [Fact]
    public void Any_threshold_many_shares_rebuild_the_secret_and_fewer_do_not()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        int[] xs = [1, 2, 3, 4, 5, 6, 7];
        var shares = ShamirSecretSharing.Split(secret, 4, xs);
        Assert.All(shares, s => Assert.Equal(ShamirSecretSharing.ShareBytes, s.Length));
        foreach (var subset in new[] { new[] { 0, 1, 2, 3 }, [6, 4, 2, 0], [3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 6] })
        {
            int[] holders = [.. subset.Select(i => xs[i])];
            Assert.Equal(secret, ShamirSecretSharing.Combine(holders, [.. subset.Select(i => shares[i])]));
            // The same with the coefficients computed once, as the server does for all secrets of a round.
            Assert.Equal(secret, ShamirSecretSharing.Combine(holders, ShamirSecretSharing.LagrangeAtZero(holders), [.. subset.Select(i => shares[i])]));
        }
        // Three shares of a degree-3 polynomial interpolate to some other constant (or to no 32-byte value at all).
        try
        {
            Assert.NotEqual(secret, ShamirSecretSharing.Combine([1, 2, 3], [shares[0], shares[1], shares[2]]));
        }
        catch (SecureAggregationException e)
        {
            Assert.Contains("do not rebuild", e.Message);
        }
    }

    [Fact]
    public void Secrets_with_leading_zero_bytes_and_the_all_zero_secret_come_back_exactly()
    {
        foreach (var secret in new[] { new byte[32], [.. new byte[31], 9], [.. Enumerable.Repeat((byte)0xFF, 32)] })
        {
            var shares = ShamirSecretSharing.Split(secret, 2, [3, 9]);
            Assert.Equal(secret, ShamirSecretSharing.Combine([9, 3], [shares[1], shares[0]]));
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var secret = new byte[32];
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(new byte[31], 2, [1, 2]));
        Assert.Contains("start at 1", Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret, 2, [0, 1])).Message);
        Assert.Contains("distinct", Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret, 2, [1, 1])).Message);
        Assert.Contains("cannot meet a threshold", Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret, 3, [1, 2])).Message);
        Assert.Contains("66", Assert.Throws<SecureAggregationException>(() => ShamirSecretSharing.Combine([1, 2], [new byte[66], new byte[65]])).Message);
        var notInField = Enumerable.Repeat((byte)0xFF, 66).ToArray();
        Assert.Contains("not a field element", Assert.Throws<SecureAggregationException>(() => ShamirSecretSharing.Combine([1], [notInField])).Message);
    }
}
