using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class FedAdamTests
{
    // η = 3, β₁ = 0.5, β₂ = 0.5, τ = 1: chosen so every √v below is a whole number.
    private readonly FedAdam _strategy = new(serverLearningRate: 3, beta1: 0.5, beta2: 0.5, tau: 1);

    [Fact]
    public void Carries_both_moments_across_two_rounds()
    {
        // Round 1 from w = (1, 2). Δ = ((5 + 9)/2, (3 − 1)/2) = (7, 1).
        // m = 0.5·0 + 0.5·Δ = (3.5, 0.5); v starts at τ² = 1: v = 0.5·1 + 0.5·(49, 1) = (25, 1).
        // step = 3·(3.5/(5 + 1), 0.5/(1 + 1)) = (1.75, 0.75); w = (2.75, 2.75).
        var first = _strategy.Aggregate(GlobalW(1f, 2f), [W(0, 1, 5f, 3f), W(1, 1, 9f, -1f)], StrategyState.Empty);
        Assert.Equal([2.75f, 2.75f], first.Global["w"]);
        Assert.Equal([3.5f, 0.5f], first.State.Buffers["m/w"]);
        Assert.Equal([25f, 1f], first.State.Buffers["v/w"]);
        Assert.Equal(1, first.State.Round);

        // Round 2 from w = (2.75, 2.75). Δ = ((3·(−4) + 1·(−8))/4, (3·8 + 1·4)/4) = (−5, 7).
        // m = 0.5·(3.5, 0.5) + 0.5·(−5, 7) = (−0.75, 3.75); v = 0.5·(25, 1) + 0.5·(25, 49) = (25, 25).
        // step = 3·(−0.75/6, 3.75/6) = (−0.375, 1.875); w = (2.375, 4.625).
        var second = _strategy.Aggregate(first.Global, [W(0, 3, -4f, 8f), W(1, 1, -8f, 4f)], first.State);
        Assert.Equal([2.375f, 4.625f], second.Global["w"]);
        Assert.Equal([-0.75f, 3.75f], second.State.Buffers["m/w"]);
        Assert.Equal([25f, 25f], second.State.Buffers["v/w"]);
        Assert.Equal(2, second.State.Round);
        Assert.Equal(2, second.State.Buffers.Count);
    }

    [Fact]
    public void Starts_the_second_moment_at_tau_squared()
    {
        // Δ = 0: m = 0, and v = 0.5·τ² + 0.5·0 = 0.5 (it would be 0 had v started at 0); w stays 4.
        var strategy = new FedAdam(1, 0.5, 0.5, tau: 1);
        var result = strategy.Aggregate(GlobalW(4f), [W(0, 1, 0f)], StrategyState.Empty);
        Assert.Equal([4f], result.Global["w"]);
        Assert.Equal([0f], result.State.Buffers["m/w"]);
        Assert.Equal([0.5f], result.State.Buffers["v/w"]);
    }

    [Fact]
    public void Is_order_independent()
    {
        var updates = new[] { W(0, 1, 1e16f), W(1, 1, 1f), W(2, 1, -1e16f) };
        var sorted = _strategy.Aggregate(GlobalW(5f), updates, StrategyState.Empty);
        var shuffled = _strategy.Aggregate(GlobalW(5f), [updates[0], updates[2], updates[1]], StrategyState.Empty);
        // In PartIndex order Δ = 0 (see FedAvgTests), so m = 0 and w stays 5.
        Assert.Equal([5f], sorted.Global["w"]);
        Assert.Equal(Bytes(sorted), Bytes(shuffled));
    }

    [Fact]
    public void Refuses_a_negative_second_moment_in_the_state()
    {
        // √(−1) is NaN: a tampered state must not turn the global weights into NaN.
        var state = new StrategyState(Weights(("m/w", [0f]), ("v/w", [-1f])), 3);
        var error = Assert.Throws<ArgumentException>(() => _strategy.Aggregate(GlobalW(0f), [W(0, 1, 1f)], state));
        Assert.Contains("'v/w'[0] is negative", error.Message);
    }

    [Fact]
    public void Refuses_a_state_missing_one_moment()
    {
        var state = new StrategyState(Weights(("m/w", [0f]), ("momentum/w", [0f])), 3);
        var error = Assert.Throws<ArgumentException>(() => _strategy.Aggregate(GlobalW(0f), [W(0, 1, 1f)], state));
        Assert.Contains("no buffer 'v/w'", error.Message);
    }

    [Theory]
    [InlineData(-1.0, 0.9, 0.99, 0.001, "server_learning_rate", "server_learning_rate must be > 0, got -1")]
    [InlineData(0.1, 1.0, 0.99, 0.001, "beta_1", "beta_1 must be >= 0 and < 1, got 1")]
    [InlineData(0.1, 0.9, -0.5, 0.001, "beta_2", "beta_2 must be >= 0 and < 1, got -0.5")]
    [InlineData(0.1, 0.9, 0.99, 0.0, "tau", "tau must be > 0, got 0")]
    [InlineData(0.1, 0.9, 0.99, double.PositiveInfinity, "tau", "tau must be > 0, got Infinity")]
    public void Refuses_bad_parameters(double eta, double beta1, double beta2, double tau, string parameter, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FedAdam(eta, beta1, beta2, tau));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Refuses_a_second_moment_that_overflows_float()
    {
        // Δ = 1e20: v = 0.5·1 + 0.5·1e40 = 5e39 > float.MaxValue; an infinite v in the state would poison later rounds.
        var error = Assert.Throws<ArgumentException>(() => _strategy.Aggregate(GlobalW(0f), [W(0, 1, 1e20f)], StrategyState.Empty));
        Assert.Contains("fedadam: the aggregate overflows float at state buffer 'v/w'[0]", error.Message);
    }
}
