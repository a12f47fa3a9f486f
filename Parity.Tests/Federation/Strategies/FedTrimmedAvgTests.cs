using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class FedTrimmedAvgTests
{
    [Fact]
    public void Resists_a_poisoned_update()
    {
        // β = 0.2, n = 5: floor(0.2·5) = 1 dropped at each end.
        // a sorted 1, 1, 2, 2, 1000 → keep 1, 2, 2 → 5/3 = 1.666667.
        // b sorted −1000, 1, 1, 2, 2 → keep 1, 1, 2 → 4/3 = 1.333333.
        var result = new FedTrimmedAvg(0.2).Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty);
        Close([1.666667], result.Global["a"]);
        Close([1.333333], result.Global["b"]);
        Assert.Equal([0, 1, 2, 3, 4], result.Used);
    }

    [Fact]
    public void Beta_zero_is_the_unweighted_mean()
    {
        // (1 + 2 + 6)/3 = 3, whatever the sample counts (the weighted mean would be (1 + 18 + 6)/11).
        var result = new FedTrimmedAvg(0).Aggregate(GlobalW(0f), [W(0, 1, 1f), W(1, 9, 2f), W(2, 1, 6f)], StrategyState.Empty);
        Assert.Equal([3f], result.Global["w"]);
    }

    [Fact]
    public void Trims_floor_of_beta_n_at_each_end()
    {
        var updates = new[] { W(0, 1, -100f), W(1, 1, 1f), W(2, 1, 3f), W(3, 1, 50f) };
        // β = 0.25, n = 4: floor(1) = 1 per end → keep 1, 3 → 2.
        Assert.Equal([2f], new FedTrimmedAvg(0.25).Aggregate(GlobalW(0f), updates, StrategyState.Empty).Global["w"]);
        // β = 0.2, n = 4: floor(0.8) = 0 → all four: (−100 + 1 + 3 + 50)/4 = −46/4 = −11.5.
        Assert.Equal([-11.5f], new FedTrimmedAvg(0.2).Aggregate(GlobalW(0f), updates, StrategyState.Empty).Global["w"]);
        Assert.Equal(1, new FedTrimmedAvg(0.25).TrimmedPerSide(4));
        Assert.Equal(0, new FedTrimmedAvg(0.2).TrimmedPerSide(4));
    }

    [Fact]
    public void Is_order_independent()
    {
        var strategy = new FedTrimmedAvg(0.2);
        var updates = Poisoned();
        Assert.Equal(
            Bytes(strategy.Aggregate(PoisonedGlobal(), updates, StrategyState.Empty)),
            Bytes(strategy.Aggregate(PoisonedGlobal(), Shuffled(updates), StrategyState.Empty)));
    }

    [Theory]
    [InlineData(0.5, "beta must be >= 0 and < 0.5, got 0.5")]
    [InlineData(-0.1, "beta must be >= 0 and < 0.5, got -0.1")]
    [InlineData(double.NaN, "beta must be >= 0 and < 0.5, got NaN")]
    public void Refuses_a_bad_beta(double beta, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FedTrimmedAvg(beta));
        Assert.Equal("beta", error.ParamName);
        Assert.Contains(expected, error.Message);
    }
}
