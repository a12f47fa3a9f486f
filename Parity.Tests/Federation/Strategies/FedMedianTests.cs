using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class FedMedianTests
{
    private readonly FedMedian _strategy = new();

    [Fact]
    public void Resists_a_poisoned_update()
    {
        var result = _strategy.Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty);

        // a sorted: 1, 1, 2, 2, 1000 → middle 2.   b sorted: −1000, 1, 1, 2, 2 → middle 1.
        Assert.Equal([2f], result.Global["a"]);
        Assert.Equal([1f], result.Global["b"]);
        Assert.Equal([0, 1, 2, 3, 4], result.Used);
        Assert.Empty(result.Rejected);
    }

    [Fact]
    public void Averages_the_two_middle_values_and_ignores_sample_counts()
    {
        // Sorted 1, 2, 5, 10 → (2 + 5)/2 = 3.5 → w = 10 + 3.5 = 13.5. Part 1's 100 samples buy it nothing
        // (the weighted mean would be (1 + 500 + 2 + 10)/103 ≈ 4.98).
        var result = _strategy.Aggregate(GlobalW(10f),
            [W(0, 1, 1f), W(1, 100, 5f), W(2, 1, 2f), W(3, 1, 10f)], StrategyState.Empty);
        Assert.Equal([13.5f], result.Global["w"]);
    }

    [Fact]
    public void Works_coordinate_by_coordinate()
    {
        // w[0]: 3, −1, 0 → sorted −1, 0, 3 → 0.   w[1]: −7, 8, 2 → sorted −7, 2, 8 → 2.
        var result = _strategy.Aggregate(GlobalW(1f, 1f),
            [W(0, 1, 3f, -7f), W(1, 1, -1f, 8f), W(2, 1, 0f, 2f)], StrategyState.Empty);
        Assert.Equal([1f, 3f], result.Global["w"]);
    }

    [Fact]
    public void One_update_is_applied_as_is()
    {
        var result = _strategy.Aggregate(GlobalW(1f), [W(4, 1, 0.25f)], StrategyState.Empty);
        Assert.Equal([1.25f], result.Global["w"]);
        Assert.Equal([4], result.Used);
    }

    [Fact]
    public void Is_order_independent()
    {
        var updates = Poisoned();
        Assert.Equal(
            Bytes(_strategy.Aggregate(PoisonedGlobal(), updates, StrategyState.Empty)),
            Bytes(_strategy.Aggregate(PoisonedGlobal(), Shuffled(updates), StrategyState.Empty)));
    }

    [Fact]
    public void Refuses_a_non_finite_delta()
    {
        // NaN would sort unpredictably and could become the median.
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(GlobalW(0f), [W(0, 1, 1f), W(1, 1, float.NaN), W(2, 1, 2f)], StrategyState.Empty));
        Assert.Contains("part 1 delta 'w'[0] is not finite", error.Message);
    }
}
