using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class FedProxTests
{
    [Fact]
    public void Aggregates_like_fedavg_and_exposes_mu()
    {
        var strategy = new FedProx(0.01);
        var global = GlobalW(1f, 2f);
        var updates = new[] { W(0, 1, 2f, 0f), W(1, 3, -2f, 4f) };

        var result = strategy.Aggregate(global, updates, StrategyState.Empty);

        // 1 + (1·2 + 3·(−2)) / 4 = 0;  2 + (0 + 3·4) / 4 = 5
        Assert.Equal([0f, 5f], result.Global["w"]);
        Assert.Equal(Bytes(new FedAvg().Aggregate(global, updates, StrategyState.Empty)), Bytes(result));
        Assert.Equal(0.01, strategy.ProximalMu);
        Assert.Equal("fedprox", strategy.Name);
    }

    [Fact]
    public void Mu_zero_is_allowed()
    {
        Assert.Equal(0.0, new FedProx(0).ProximalMu);
    }

    [Theory]
    [InlineData(-0.1, "proximal_mu must be >= 0, got -0.1")]
    [InlineData(double.NaN, "proximal_mu must be >= 0, got NaN")]
    [InlineData(double.PositiveInfinity, "proximal_mu must be >= 0")]
    public void Refuses_a_bad_mu(double mu, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FedProx(mu));
        Assert.Equal("proximal_mu", error.ParamName);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Names_itself_in_input_errors()
    {
        var error = Assert.Throws<ArgumentException>(() => new FedProx(0.1).Aggregate(GlobalW(0f), [], StrategyState.Empty));
        Assert.StartsWith("fedprox:", error.Message);
    }
}
