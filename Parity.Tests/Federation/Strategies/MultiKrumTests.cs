using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class MultiKrumTests
{
    [Fact]
    public void Resists_a_poisoned_update()
    {
        // Scores as in KrumTests: parts 0–3 score 2, part 4 scores 3998007. m = 2 → parts 0 and 1 (ties to the lower
        // part). a = (1 + 1)/2 = 1, b = (1 + 2)/2 = 1.5.
        var result = new MultiKrum(numMalicious: 1, numSelected: 2).Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty);
        Assert.Equal([1f], result.Global["a"]);
        Assert.Equal([1.5f], result.Global["b"]);
        Assert.Equal([0, 1], result.Used);
        Assert.Empty(result.Rejected);
    }

    [Fact]
    public void Keeps_the_attacker_out_even_at_n_minus_f()
    {
        // m = n − f = 4 keeps parts 0–3: a = (1 + 1 + 2 + 2)/4 = 1.5, b = (1 + 2 + 1 + 2)/4 = 1.5.
        var result = new MultiKrum(1, 4).Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty);
        Assert.Equal([1.5f], result.Global["a"]);
        Assert.Equal([1.5f], result.Global["b"]);
        Assert.Equal([0, 1, 2, 3], result.Used);
    }

    [Fact]
    public void Averages_the_chosen_updates_by_sample_count()
    {
        // Scores as in KrumTests (parts 2, 5, 7, 9 score 10, 5, 13, 52). m = 2 → parts 5 and 2.
        // Weighted: (3·0 + 1·1)/(3 + 1) = 0.25 → w = 10.25. Used lists them by part index.
        var updates = new[] { W(2, 3, 0f), W(5, 1, 1f), W(7, 2, 3f), W(9, 1_000_000, 7f) };
        var result = new MultiKrum(0, 2).Aggregate(GlobalW(10f), updates, StrategyState.Empty);
        Assert.Equal([10.25f], result.Global["w"]);
        Assert.Equal([2, 5], result.Used);
    }

    [Fact]
    public void Is_order_independent()
    {
        var strategy = new MultiKrum(1, 3);
        var updates = Poisoned();
        Assert.Equal(
            Bytes(strategy.Aggregate(PoisonedGlobal(), updates, StrategyState.Empty)),
            Bytes(strategy.Aggregate(PoisonedGlobal(), Shuffled(updates), StrategyState.Empty)));
    }

    [Fact]
    public void Refuses_more_selected_than_n_minus_f()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new MultiKrum(1, 5).Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty));
        Assert.Contains("num_selected = 5 must be <= n − num_malicious = 5 − 1 = 4", error.Message);
    }

    [Fact]
    public void Needs_more_than_two_f_plus_two_updates()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new MultiKrum(2, 1).Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty));
        Assert.Contains("multikrum needs more than 2·num_malicious + 2 updates: got 5 with num_malicious = 2 (needs at least 7)", error.Message);
    }

    [Theory]
    [InlineData(-1, 1, "num_malicious", "num_malicious must be >= 0, got -1")]
    [InlineData(0, 0, "num_selected", "num_selected must be >= 1, got 0")]
    public void Refuses_bad_parameters(int f, int m, string parameter, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MultiKrum(f, m));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(expected, error.Message);
    }
}
