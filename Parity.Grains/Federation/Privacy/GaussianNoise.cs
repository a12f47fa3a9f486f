namespace Parity.Federation.Privacy;

/// <summary>
/// Standard normal draws from a uniform source, by the Box–Muller transform (two uniforms give two independent
/// normals; the second is kept for the next call). The source is injected: <see cref="CryptoRandom"/> in production, a
/// seeded <see cref="Random"/> in tests, where a fixed seed makes a statistical check reproducible.
/// </summary>
public sealed class GaussianNoise(Random source)
{
    private double? _spare;

    /// <summary>Noise for a real release: every draw from the operating system's cryptographic generator.</summary>
    public static GaussianNoise Secure() => new(new CryptoRandom());

    /// <summary>One draw of N(0, 1).</summary>
    public double Next()
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return spare;
        }
        // 1 − U is in (0, 1], so the logarithm is finite.
        var u1 = 1.0 - source.NextDouble();
        var u2 = source.NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        var angle = 2.0 * Math.PI * u2;
        _spare = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>Adds N(0, stddev²) to every value, in place.</summary>
    public void AddTo(float[] values, double stddev)
    {
        if (!(stddev >= 0) || double.IsInfinity(stddev)) throw new ArgumentOutOfRangeException(nameof(stddev), stddev, "the noise's standard deviation must be finite and ≥ 0");
        if (stddev == 0) return;
        for (var i = 0; i < values.Length; i++) values[i] = (float)(values[i] + stddev * Next());
    }

    /// <summary>Adds N(0, stddev²) to every value of every key, in place, keys in ordinal order (so a seeded source is reproducible).</summary>
    public void AddTo(IReadOnlyDictionary<string, float[]> values, double stddev)
    {
        foreach (var key in values.Keys.Order(StringComparer.Ordinal)) AddTo(values[key], stddev);
    }
}
