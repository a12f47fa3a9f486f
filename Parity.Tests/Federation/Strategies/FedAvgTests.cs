using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class FedAvgTests
{
    private readonly FedAvg _strategy = new();

    [Fact]
    public void Weights_deltas_by_sample_count()
    {
        var global = Weights(("w", [1f, 2f]), ("b", [0.5f]));
        var updates = new[]
        {
            Update(0, 1, ("w", [2f, 0f]), ("b", [1f])),
            Update(1, 3, ("w", [-2f, 4f]), ("b", [-1f])),
        };

        var result = _strategy.Aggregate(global, updates, StrategyState.Empty);

        // w[0]: 1 + (1·2 + 3·(−2)) / 4 = 1 + (−4/4) = 0
        // w[1]: 2 + (1·0 + 3·4) / 4    = 2 + 3      = 5
        // b[0]: 0.5 + (1·1 + 3·(−1)) / 4 = 0.5 − 0.5 = 0
        Assert.Equal([0f, 5f], result.Global["w"]);
        Assert.Equal([0f], result.Global["b"]);
        Assert.Equal([0, 1], result.Used);
        Assert.Empty(result.Rejected);
        Assert.Empty(result.State.Buffers);
        Assert.Equal(1, result.State.Round);
        // The caller's arrays are never written to.
        Assert.Equal([1f, 2f], global["w"]);
    }

    [Fact]
    public void Is_dragged_by_a_poisoned_update()
    {
        var result = _strategy.Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty);

        // a: (1 + 1 + 2 + 2 + 1000) / 5 = 1006 / 5 = 201.2
        // b: (1 + 2 + 1 + 2 − 1000) / 5 = −994 / 5 = −198.8
        Close([201.2], result.Global["a"], 4);
        Close([-198.8], result.Global["b"], 4);
    }

    [Fact]
    public void Sorts_updates_itself_so_arrival_order_does_not_change_a_bit()
    {
        // Chosen so the summation order matters in double: 1e16f is 10000000272564224; adding 1 to it rounds back to
        // it (doubles there are 2 apart, tie to even), so PartIndex order gives (1e16f + 1) − 1e16f = 0, while the
        // arrival order part 0, 2, 1 would give (1e16f − 1e16f) + 1 = 1, a mean of 1/3.
        var global = GlobalW(5f);
        var p0 = W(0, 1, 1e16f);
        var p1 = W(1, 1, 1f);
        var p2 = W(2, 1, -1e16f);

        var sorted = _strategy.Aggregate(global, [p0, p1, p2], StrategyState.Empty);
        var shuffled = _strategy.Aggregate(global, [p0, p2, p1], StrategyState.Empty);

        // 5 + 0 / 3 = 5
        Assert.Equal([5f], sorted.Global["w"]);
        Assert.Equal(Bytes(sorted), Bytes(shuffled));
        Assert.Equal([0, 1, 2], shuffled.Used);
    }

    [Fact]
    public void Advances_the_round_counter_and_keeps_no_buffers()
    {
        var stale = new StrategyState(Weights(("momentum/w", [9f])), 4);

        var result = _strategy.Aggregate(GlobalW(0f), [W(0, 2, 4f)], stale);

        // 0 + 2·4 / 2 = 4
        Assert.Equal([4f], result.Global["w"]);
        Assert.Equal(5, result.State.Round);
        Assert.Empty(result.State.Buffers);
    }

    [Fact]
    public void Refuses_no_updates()
    {
        var error = Assert.Throws<ArgumentException>(() => _strategy.Aggregate(GlobalW(0f), [], StrategyState.Empty));
        Assert.Contains("at least one update", error.Message);
    }

    [Fact]
    public void Refuses_a_delta_with_a_missing_key()
    {
        var global = Weights(("w", [0f]), ("b", [0f]));
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(global, [Update(3, 1, ("w", [1f]), ("c", [1f]))], StrategyState.Empty));
        Assert.Contains("part 3", error.Message);
        Assert.Contains("'b'", error.Message);
    }

    [Fact]
    public void Refuses_a_delta_with_an_extra_key()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(GlobalW(0f), [Update(0, 1, ("w", [1f]), ("smuggled", [1f]))], StrategyState.Empty));
        Assert.Contains("part 0 has 2 weight keys, the global weights have 1", error.Message);
        Assert.Contains("smuggled", error.Message);
    }

    [Fact]
    public void Refuses_a_delta_of_the_wrong_length()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(GlobalW(0f, 0f), [W(0, 1, 1f, 1f), W(1, 1, 1f)], StrategyState.Empty));
        Assert.Contains("part 1 delta 'w' has length 1, the global weights have 2", error.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Refuses_a_non_finite_delta(float poison)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(GlobalW(0f, 0f), [W(0, 1, 1f, 1f), W(7, 1, 1f, poison)], StrategyState.Empty));
        Assert.Contains("part 7 delta 'w'[1] is not finite", error.Message);
    }

    [Fact]
    public void Refuses_non_finite_global_weights()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(GlobalW(float.NaN), [W(0, 1, 1f)], StrategyState.Empty));
        Assert.Contains("global[w][0] is not finite", error.Message);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    public void Refuses_a_sample_count_below_one(long samples)
    {
        // A negative count would flip the sign of the attacker's delta in the weighted mean.
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(GlobalW(0f), [W(0, 1, 1f), W(1, samples, 1f)], StrategyState.Empty));
        Assert.Contains($"part 1 has sample count {samples}", error.Message);
    }

    [Fact]
    public void Refuses_two_updates_from_one_part()
    {
        // One participant counted twice would double its weight.
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(GlobalW(0f), [W(2, 1, 1f), W(2, 1, 1f)], StrategyState.Empty));
        Assert.Contains("part 2 sent more than one update", error.Message);
    }

    [Fact]
    public void Does_not_overflow_on_huge_sample_counts()
    {
        // 2·long.MaxValue overflows a long; in double it is exact enough: (M·2 + M·4) / 2M = 3.
        var result = _strategy.Aggregate(GlobalW(0f), [W(0, long.MaxValue, 2f), W(1, long.MaxValue, 4f)], StrategyState.Empty);
        Assert.Equal([3f], result.Global["w"]);
    }

    [Fact]
    public void Refuses_an_aggregate_that_overflows_float()
    {
        // 3e38 + 3e38 = 6e38 > float.MaxValue ≈ 3.4e38: finite inputs, infinite result.
        var error = Assert.Throws<ArgumentException>(() => _strategy.Aggregate(GlobalW(0f, 3e38f), [W(0, 1, 1f, 3e38f)], StrategyState.Empty));
        Assert.Contains("fedavg: the aggregate overflows float at global 'w'[1]", error.Message);
    }
}
