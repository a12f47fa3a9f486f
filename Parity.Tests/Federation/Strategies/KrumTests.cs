using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class KrumTests
{
    [Fact]
    public void Resists_a_poisoned_update_and_breaks_ties_to_the_lowest_part()
    {
        // f = 1, n = 5: each score sums the n − f − 2 = 2 nearest squared distances (over keys a and b together).
        // Honest pairs: 0–1: 0² + 1² = 1, 0–2: 1, 0–3: 1 + 1 = 2, 1–2: 2, 1–3: 1, 2–3: 1.
        // Attacker: 4–0: 999² + 1001² = 2000002, 4–1: 999² + 1002² = 2002005, 4–2: 998² + 1001² = 1998005,
        // 4–3: 998² + 1002² = 2000008.
        // Scores: part 0: 1 + 1 = 2, part 1: 1 + 1 = 2, part 2: 1 + 1 = 2, part 3: 1 + 1 = 2,
        // part 4: 1998005 + 2000002 = 3998007. Four-way tie → part 0, whose delta (1, 1) is applied.
        var result = new Krum(1).Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty);
        Assert.Equal([1f], result.Global["a"]);
        Assert.Equal([1f], result.Global["b"]);
        Assert.Equal([0], result.Used);
        Assert.Empty(result.Rejected);
        Assert.Equal(1, result.State.Round);
    }

    [Fact]
    public void Picks_the_lowest_score_and_reports_its_part_index_ignoring_sample_counts()
    {
        // f = 0, n = 4 → 2 nearest. Deltas 0, 1, 3, 7 at parts 2, 5, 7, 9.
        // Squared distances: 2–5: 1, 2–7: 9, 2–9: 49, 5–7: 4, 5–9: 36, 7–9: 16.
        // Scores: part 2: 1 + 9 = 10, part 5: 1 + 4 = 5, part 7: 4 + 9 = 13, part 9: 16 + 36 = 52 → part 5.
        // w = 10 + 1 = 11. Part 9's million samples buy it nothing.
        var updates = new[] { W(2, 3, 0f), W(5, 1, 1f), W(7, 2, 3f), W(9, 1_000_000, 7f) };
        var result = new Krum(0).Aggregate(GlobalW(10f), updates, StrategyState.Empty);
        Assert.Equal([11f], result.Global["w"]);
        Assert.Equal([5], result.Used);
    }

    [Fact]
    public void Is_order_independent_even_with_tied_scores()
    {
        var strategy = new Krum(1);
        var updates = Poisoned();
        var shuffled = strategy.Aggregate(PoisonedGlobal(), Shuffled(updates), StrategyState.Empty);
        Assert.Equal([0], shuffled.Used);
        Assert.Equal(Bytes(strategy.Aggregate(PoisonedGlobal(), updates, StrategyState.Empty)), Bytes(shuffled));
    }

    [Fact]
    public void Needs_more_than_two_f_plus_two_updates()
    {
        // f = 1 needs n > 4; four updates are refused.
        var error = Assert.Throws<ArgumentException>(() =>
            new Krum(1).Aggregate(PoisonedGlobal(), Poisoned().Take(4).ToList(), StrategyState.Empty));
        Assert.Contains("got 4 with num_malicious = 1 (needs at least 5)", error.Message);
    }

    [Fact]
    public void Refuses_a_negative_num_malicious()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Krum(-1));
        Assert.Equal("num_malicious", error.ParamName);
        Assert.Contains("num_malicious must be >= 0, got -1", error.Message);
    }

    [Fact]
    public void Refuses_a_huge_num_malicious_without_overflow()
    {
        // 2·int.MaxValue + 2 overflows an int; the check must still refuse rather than wrap to a small number.
        var error = Assert.Throws<ArgumentException>(() =>
            new Krum(int.MaxValue).Aggregate(PoisonedGlobal(), Poisoned(), StrategyState.Empty));
        Assert.Contains("got 5 with num_malicious = 2147483647", error.Message);
    }
}
