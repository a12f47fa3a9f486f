using Parity.Federation.Privacy;

namespace Parity.Tests.Federation.Privacy;

/// <summary>
/// The Gaussian noise: the Box–Muller transform against a hand computation, and its moments checked statistically with
/// a fixed seed (the bounds are a few standard errors wide: a sampler off by a few percent fails them).
/// </summary>
public sealed class GaussianNoiseTests
{
    /// <summary>A source that returns the given uniforms in turn.</summary>
    private sealed class Fixed(params double[] values) : Random
    {
        private int _next;
        public override double NextDouble() => values[_next++];
    }

    [Fact]
    public void Box_muller_turns_two_uniforms_into_two_normals()
    {
        // u1 = 1 − 0.5 = 0.5: radius √(−2 ln 0.5) = √(1.3862944) = 1.1774100; angle 2π·0.25 = π/2: cos 0, sin 1.
        var noise = new GaussianNoise(new Fixed(0.5, 0.25));
        Assert.Equal(0.0, noise.Next(), 12);
        Assert.Equal(1.1774100225154747, noise.Next(), 12);
    }

    [Fact]
    public void A_uniform_of_zero_gives_a_finite_draw()
    {
        // u1 = 1 − 0 = 1: radius 0, whatever the angle.
        var noise = new GaussianNoise(new Fixed(0.0, 0.3));
        Assert.Equal(0.0, noise.Next(), 12);
    }

    [Fact]
    public void Draws_have_mean_zero_variance_one_and_normal_tails()
    {
        const int n = 200_000;
        var noise = new GaussianNoise(new Random(20260101));
        double sum = 0, squares = 0, fourth = 0, beyond2 = 0;
        for (var i = 0; i < n; i++)
        {
            var x = noise.Next();
            sum += x;
            squares += x * x;
            fourth += x * x * x * x;
            if (Math.Abs(x) > 2) beyond2++;
        }
        var mean = sum / n;
        var variance = squares / n - mean * mean;
        // Standard errors: mean 1/√n = 0.0022, variance √(2/n) = 0.0032, fourth moment √(96/n) = 0.022.
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.985, 1.015);
        Assert.InRange(fourth / n, 2.9, 3.1);
        // P(|X| > 2) = 0.0455 for a normal; standard error √(p(1−p)/n) = 0.00047.
        Assert.InRange(beyond2 / n, 0.043, 0.048);
    }

    [Fact]
    public void Noise_added_to_values_has_the_asked_standard_deviation()
    {
        var values = new float[100_000];
        Array.Fill(values, 2f);
        new GaussianNoise(new Random(7)).AddTo(values, 0.3);
        var mean = values.Average(v => (double)v);
        var std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        // Standard error of the std: 0.3/√(2n) = 0.00067.
        Assert.InRange(mean, 2 - 0.005, 2 + 0.005);
        Assert.InRange(std, 0.297, 0.303);
    }

    [Fact]
    public void No_noise_leaves_the_values_and_draws_nothing()
    {
        var values = new float[] { 1f, 2f };
        new GaussianNoise(new Fixed()).AddTo(values, 0);
        Assert.Equal([1f, 2f], values);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_bad_standard_deviation_is_refused(double stddev) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianNoise(new Random(1)).AddTo(new float[1], stddev));

    [Fact]
    public void A_seeded_source_is_reproducible_and_keys_are_noised_in_ordinal_order()
    {
        Dictionary<string, float[]> Noised() => new() { ["b"] = new float[2], ["a"] = new float[2] };
        var first = Noised();
        new GaussianNoise(new Random(5)).AddTo(first, 1.0);
        var reference = new GaussianNoise(new Random(5));
        // "a" before "b", whatever order the dictionary holds them in.
        Assert.Equal([(float)reference.Next(), (float)reference.Next()], first["a"]);
        Assert.Equal([(float)reference.Next(), (float)reference.Next()], first["b"]);
    }

    [Fact]
    public void The_cryptographic_source_gives_uniforms_in_the_unit_interval()
    {
        var random = new CryptoRandom();
        const int n = 100_000;
        double sum = 0;
        for (var i = 0; i < n; i++)
        {
            var u = random.NextDouble();
            Assert.InRange(u, 0.0, 0.9999999999999999);
            sum += u;
        }
        // Standard error of the mean of U(0, 1): √(1/12n) = 0.00091; the bound is seven of them.
        Assert.InRange(sum / n, 0.5 - 0.0064, 0.5 + 0.0064);
        Assert.InRange(random.Next(10), 0, 9);
    }
}
