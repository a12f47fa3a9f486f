using Parity.Federation.Privacy;

namespace Parity.Tests.Federation.Privacy;

/// <summary>
/// The RDP accountant of the sampled Gaussian mechanism against published values. Every expected number below comes
/// from the test suite of Google's dp_accounting library (github.com/google/differential-privacy,
/// python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant_test.py), the reference implementation of the
/// analysis in Mironov, Talwar and Zhang (2019) that TensorFlow Privacy and Opacus use; each test names the test there.
/// </summary>
public sealed class PrivacyAccountantTests
{
    /// <summary>Relative closeness, as the reference's <c>np.allclose(…, rtol=1e-4)</c>.</summary>
    private static void Close(double expected, double actual, double rtol = 1e-4) =>
        Assert.True(Math.Abs(actual - expected) <= rtol * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    // test_compute_rdp_poisson_sampled_gaussian: q = 0.01, noise multiplier 2.5, 50 steps. Order 2.5 takes the
    // fractional-order series, 5, 50 and 100 the integer-order sum. The same test lists 6.70579741e-04 at order 1.5;
    // the moment's definition integrated numerically gives 6.5007e-04 there (see the quadrature test below), as does the
    // series here, so the library's figure at 1.5 is a looser bound than the exact value and is not asserted.
    [Theory]
    [InlineData(2.5, 1.08548710e-03)]
    [InlineData(5, 2.18075656e-03)]
    [InlineData(50, 2.38460375e-02)]
    [InlineData(100, 1.67416308e02)]
    public void Rdp_of_the_sampled_gaussian_matches_the_published_values(double order, double expected) =>
        Close(expected, SampledGaussianRdp.Rdp(0.01, 2.5, order, steps: 50));

    /// <summary>
    /// A_α straight from its definition, E over z ~ N(0, σ²) of ((1 − q) + q·exp((2z − 1)/(2σ²)))^α, by Simpson's rule:
    /// an independent check of both series.
    /// </summary>
    private static double RdpByQuadrature(double q, double sigma, double order)
    {
        const int intervals = 200_000;
        double low = -40 * sigma, high = 40 * sigma + 1, h = (high - low) / intervals, sum = 0;
        for (var i = 0; i <= intervals; i++)
        {
            var z = low + i * h;
            var density = Math.Exp(-z * z / (2 * sigma * sigma)) / (sigma * Math.Sqrt(2 * Math.PI));
            var value = density * Math.Pow((1 - q) + q * Math.Exp((2 * z - 1) / (2 * sigma * sigma)), order);
            sum += (i == 0 || i == intervals ? 1 : i % 2 == 1 ? 4 : 2) * value;
        }
        return Math.Log(sum * h / 3) / (order - 1);
    }

    [Theory]
    [InlineData(0.01, 2.5, 1.5)]
    [InlineData(0.01, 2.5, 2.5)]
    [InlineData(0.1, 1.5, 1.25)]
    [InlineData(0.2, 2.0, 3.7)]
    [InlineData(0.05, 1.0, 6)]
    public void Rdp_equals_the_moment_integrated_numerically(double q, double sigma, double order) =>
        Close(RdpByQuadrature(q, sigma, order), SampledGaussianRdp.Rdp(q, sigma, order), 1e-6);

    [Fact]
    public void An_infinite_order_costs_infinitely() =>
        Assert.Equal(double.PositiveInfinity, SampledGaussianRdp.Rdp(0.01, 2.5, double.PositiveInfinity, steps: 50));

    // test_compute_epsilon_delta_pure_dp: RDP 1.1 at every order 2..32, δ = 1e-5 → ε = 1.32783806176, at order 32.
    [Fact]
    public void Conversion_to_epsilon_matches_the_published_value()
    {
        var orders = Enumerable.Range(2, 31).Select(o => (double)o).ToList();
        var (epsilon, order) = RdpConversion.Epsilon(orders, orders.Select(_ => 1.1).ToList(), 1e-5);
        Assert.Equal(1.32783806176, epsilon, 10);
        Assert.Equal(32, order);
    }

    // test_compute_epsilon_delta_gaussian: no sampling, noise multiplier 4.530877117, chosen there to give exactly
    // (1, 1e-6)-DP; orders 1.000 to 99.999 in steps of 0.001 → ε = 1 (to 7 places, as assertAlmostEqual checks).
    [Fact]
    public void The_plain_gaussian_reaches_the_published_epsilon()
    {
        var orders = Enumerable.Range(1001, 98_999).Select(i => i * 0.001).ToList();
        var rdp = orders.Select(o => SampledGaussianRdp.Rdp(1, 4.530877117, o)).ToList();
        Assert.Equal(1.0, RdpConversion.Epsilon(orders, rdp, 1e-6).Epsilon, 7);
    }

    [Fact]
    public void Without_sampling_the_rdp_is_the_gaussian_mechanisms_closed_form()
    {
        // α / (2σ²) per step: Mironov (2017), Proposition 7.
        Assert.Equal(3.14159 / (2 * 2.71828 * 2.71828), SampledGaussianRdp.Rdp(1, 2.71828, 3.14159), 12);
        Assert.Equal(6 * 3.14159 / (2 * 2.71828 * 2.71828), SampledGaussianRdp.Rdp(1, 2.71828, 3.14159, steps: 6), 12);
    }

    [Theory]
    [InlineData(0.01, 2.5, 5)]
    [InlineData(0.1, 1.1, 3)]
    [InlineData(0.5, 0.8, 8)]
    public void The_fractional_series_meets_the_integer_sum_at_an_integer_order(double q, double sigma, int order)
    {
        // Two independent formulas (§3.2 and §3.3 of the paper): just either side of an integer they must agree with it.
        var exact = SampledGaussianRdp.Rdp(q, sigma, order);
        Close(exact, SampledGaussianRdp.Rdp(q, sigma, order - 1e-7), 1e-5);
        Close(exact, SampledGaussianRdp.Rdp(q, sigma, order + 1e-7), 1e-5);
    }

    [Fact]
    public void Nothing_sampled_costs_nothing_and_no_noise_costs_everything()
    {
        var none = new PrivacyAccountant();
        none.Spend(0, 1.0, 100);
        Assert.Equal(0, none.Epsilon(1e-5).Epsilon);

        var noiseless = new PrivacyAccountant();
        noiseless.Spend(0.1, 0, 1);
        Assert.Equal(double.PositiveInfinity, noiseless.Epsilon(1e-5).Epsilon);
    }

    [Fact]
    public void Rounds_compose_by_addition_and_cost_grows_with_rounds_and_falls_with_noise()
    {
        var once = new PrivacyAccountant();
        once.Spend(0.05, 1.2, steps: 20);
        var twice = new PrivacyAccountant();
        twice.Spend(0.05, 1.2, steps: 10);
        twice.Spend(0.05, 1.2, steps: 10);
        for (var i = 0; i < once.Orders.Count; i++) Close(once.Rdp[i], twice.Rdp[i], 1e-12);

        var more = new PrivacyAccountant();
        more.Spend(0.05, 1.2, steps: 40);
        var noisier = new PrivacyAccountant();
        noisier.Spend(0.05, 2.4, steps: 20);
        var epsilon = once.Epsilon(1e-5).Epsilon;
        Assert.True(more.Epsilon(1e-5).Epsilon > epsilon);
        Assert.True(noisier.Epsilon(1e-5).Epsilon < epsilon);
    }

    [Theory]
    [InlineData(-0.1, 1.0, 2.0, "q")]
    [InlineData(1.1, 1.0, 2.0, "q")]
    [InlineData(0.1, -1.0, 2.0, "noiseMultiplier")]
    [InlineData(0.1, 1.0, 1.0, "order")]
    public void Out_of_range_parameters_are_refused(double q, double sigma, double order, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SampledGaussianRdp.Rdp(q, sigma, order));
        Assert.Equal(parameter, e.ParamName);
    }
}
