using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning;

public sealed class SeededRandomTests
{
    [Fact]
    public void A_seed_and_stream_always_give_the_same_sequence_and_other_streams_differ()
    {
        var a = new SeededRandom(123, 4);
        var b = new SeededRandom(123, 4);
        var otherStream = new SeededRandom(123, 5);
        var otherSeed = new SeededRandom(124, 4);

        var first = Enumerable.Range(0, 100).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 100).Select(_ => b.NextUInt64()));
        Assert.NotEqual(first, Enumerable.Range(0, 100).Select(_ => otherStream.NextUInt64()));
        Assert.NotEqual(first, Enumerable.Range(0, 100).Select(_ => otherSeed.NextUInt64()));
    }

    [Fact]
    public void NextInt_is_uniform()
    {
        var random = new SeededRandom(1);
        var counts = new int[7];
        const int Draws = 70_000;
        for (var i = 0; i < Draws; i++) counts[random.NextInt(7)]++;

        // Chi-square with 6 degrees of freedom: 22.5 is the 0.999 quantile.
        var expected = Draws / 7.0;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 22.5, $"chi-square {chiSquare}");
    }

    [Fact]
    public void Shuffle_is_a_permutation()
    {
        var items = Enumerable.Range(0, 1000).ToArray();
        new SeededRandom(9).Shuffle(items.AsSpan());

        Assert.NotEqual(Enumerable.Range(0, 1000), items);
        Assert.Equal(Enumerable.Range(0, 1000), items.Order());
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(3.5)]
    [InlineData(40.0)]
    public void Gamma_draws_have_mean_and_variance_equal_to_the_shape(double shape)
    {
        var random = new SeededRandom(2024);
        const int Draws = 200_000;
        var draws = new double[Draws];
        for (var i = 0; i < Draws; i++) draws[i] = random.NextGamma(shape);

        var mean = draws.Average();
        var variance = draws.Sum(x => (x - mean) * (x - mean)) / (Draws - 1);
        Assert.InRange(mean, shape * 0.97, shape * 1.03);
        Assert.InRange(variance, shape * 0.9, shape * 1.1);
    }

    [Fact]
    public void Log_gamma_stays_finite_for_tiny_shapes()
    {
        var random = new SeededRandom(5);
        for (var i = 0; i < 1000; i++) Assert.True(double.IsFinite(random.NextLogGamma(1e-4)));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    public void Dirichlet_weights_sum_to_one_and_average_to_uniform(double alpha)
    {
        var random = new SeededRandom(77);
        var weights = new double[4];
        var sums = new double[4];
        const int Draws = 20_000;
        for (var i = 0; i < Draws; i++)
        {
            random.NextDirichlet(alpha, weights);
            Assert.Equal(1.0, weights.Sum(), 9);
            Assert.All(weights, w => Assert.InRange(w, 0.0, 1.0));
            for (var k = 0; k < 4; k++) sums[k] += weights[k];
        }
        Assert.All(sums, s => Assert.InRange(s / Draws, 0.24, 0.26));
    }

    [Fact]
    public void Smaller_alpha_concentrates_dirichlet_weights()
    {
        static double MeanLargestWeight(double alpha)
        {
            var random = new SeededRandom(3);
            var weights = new double[5];
            var total = 0.0;
            for (var i = 0; i < 5000; i++)
            {
                random.NextDirichlet(alpha, weights);
                total += weights.Max();
            }
            return total / 5000;
        }

        Assert.True(MeanLargestWeight(0.1) > 0.8);
        Assert.True(MeanLargestWeight(100) < 0.3);
    }
}
