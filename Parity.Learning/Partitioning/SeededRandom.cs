namespace Parity.Learning.Partitioning;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a small generator written out here so that a seed gives the same sequence
/// on every machine and every .NET version (System.Random's seeded sequence is not a documented contract).
/// Not for cryptography.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <param name="seed">The shared seed.</param>
    /// <param name="stream">Selects an independent sequence for the same seed (one per purpose).</param>
    public SeededRandom(long seed, long stream = 0)
    {
        var state = Mix((ulong)seed) ^ Mix((ulong)stream + 0x632BE59BD9B4E019UL);
        _s0 = SplitMix(ref state);
        _s1 = SplitMix(ref state);
        _s2 = SplitMix(ref state);
        _s3 = SplitMix(ref state);
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExclusive, 1);
        var bound = (ulong)maxExclusive;
        var threshold = (0 - bound) % bound; // 2^64 mod bound: values below it would favour small results
        while (true)
        {
            var r = NextUInt64();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in (0, 1]: safe to take the logarithm of.</summary>
    public double NextDoubleNonZero() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>Standard normal, by the Box–Muller transform.</summary>
    public double NextNormal() =>
        Math.Sqrt(-2.0 * Math.Log(NextDoubleNonZero())) * Math.Cos(2.0 * Math.PI * NextDouble());

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// The natural logarithm of a Gamma(<paramref name="shape"/>, 1) draw. Logarithms keep tiny shapes usable: for
    /// shape ≪ 1 the draw itself underflows to 0.
    /// </summary>
    public double NextLogGamma(double shape)
    {
        if (!(shape > 0) || !double.IsFinite(shape))
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "shape must be positive and finite");
        if (shape < 1)
        {
            // Marsaglia–Tsang's boost: Gamma(a) = Gamma(a + 1) · U^(1/a).
            return NextLogGamma(shape + 1) + Math.Log(NextDoubleNonZero()) / shape;
        }

        // Marsaglia & Tsang (2000), "A simple method for generating gamma variables".
        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            var x = NextNormal();
            var v = 1.0 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            var u = NextDoubleNonZero();
            var x2 = x * x;
            if (u < 1.0 - 0.0331 * x2 * x2 || Math.Log(u) < 0.5 * x2 + d * (1.0 - v + Math.Log(v)))
                return Math.Log(d) + Math.Log(v);
        }
    }

    public double NextGamma(double shape) => Math.Exp(NextLogGamma(shape));

    /// <summary>Fills <paramref name="weights"/> with a draw from the symmetric Dirichlet(α, …, α).</summary>
    public void NextDirichlet(double alpha, Span<double> weights)
    {
        if (weights.IsEmpty) return;
        var max = double.NegativeInfinity;
        for (var k = 0; k < weights.Length; k++)
        {
            weights[k] = NextLogGamma(alpha);
            max = Math.Max(max, weights[k]);
        }
        // Normalise in log space: subtracting the largest keeps at least one term at exp(0) = 1.
        var sum = 0.0;
        for (var k = 0; k < weights.Length; k++)
        {
            weights[k] = Math.Exp(weights[k] - max);
            sum += weights[k];
        }
        for (var k = 0; k < weights.Length; k++) weights[k] /= sum;
    }

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
