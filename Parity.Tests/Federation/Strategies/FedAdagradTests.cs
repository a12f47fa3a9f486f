using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class FedAdagradTests
{
    // η = 2, β₁ = 0.5, τ = 3: chosen so every √v below is a whole number.
    private readonly FedAdagrad _strategy = new(serverLearningRate: 2, beta1: 0.5, tau: 3);

    [Fact]
    public void Accumulates_the_second_moment_per_key_across_two_rounds()
    {
        // Round 1 from w = 1, b = 1. Δw = (2 + 6)/2 = 4, Δb = (1 − 1)/2 = 0. v starts at τ² = 9.
        // v_w = 9 + 16 = 25, v_b = 9 + 0 = 9; m_w = 0.5·4 = 2, m_b = 0.
        // w = 1 + 2·2/(5 + 3) = 1.5; b = 1 + 0 = 1.
        var global = Weights(("w", [1f]), ("b", [1f]));
        var first = _strategy.Aggregate(global,
            [Update(0, 1, ("w", [2f]), ("b", [1f])), Update(1, 1, ("w", [6f]), ("b", [-1f]))], StrategyState.Empty);
        Assert.Equal([1.5f], first.Global["w"]);
        Assert.Equal([1f], first.Global["b"]);
        Assert.Equal([2f], first.State.Buffers["m/w"]);
        Assert.Equal([0f], first.State.Buffers["m/b"]);
        Assert.Equal([25f], first.State.Buffers["v/w"]);
        Assert.Equal([9f], first.State.Buffers["v/b"]);

        // Round 2 from w = 1.5, b = 1. Δw = (2·10 + 1·16)/3 = 12, Δb = (2·6 + 1·0)/3 = 4.
        // v_w = 25 + 144 = 169, v_b = 9 + 16 = 25; m_w = 0.5·2 + 0.5·12 = 7, m_b = 0 + 0.5·4 = 2.
        // w = 1.5 + 2·7/(13 + 3) = 1.5 + 0.875 = 2.375; b = 1 + 2·2/(5 + 3) = 1.5.
        var second = _strategy.Aggregate(first.Global,
            [Update(0, 2, ("w", [10f]), ("b", [6f])), Update(1, 1, ("w", [16f]), ("b", [0f]))], first.State);
        Assert.Equal([2.375f], second.Global["w"]);
        Assert.Equal([1.5f], second.Global["b"]);
        Assert.Equal([7f], second.State.Buffers["m/w"]);
        Assert.Equal([2f], second.State.Buffers["m/b"]);
        Assert.Equal([169f], second.State.Buffers["v/w"]);
        Assert.Equal([25f], second.State.Buffers["v/b"]);
        Assert.Equal(2, second.State.Round);
    }

    [Fact]
    public void Is_order_independent()
    {
        var updates = new[] { W(0, 1, 1e16f), W(1, 1, 1f), W(2, 1, -1e16f) };
        var sorted = _strategy.Aggregate(GlobalW(5f), updates, StrategyState.Empty);
        var shuffled = _strategy.Aggregate(GlobalW(5f), [updates[0], updates[2], updates[1]], StrategyState.Empty);
        Assert.Equal([5f], sorted.Global["w"]);
        Assert.Equal(Bytes(sorted), Bytes(shuffled));
    }

    [Fact]
    public void Refuses_a_state_for_other_weights()
    {
        // Buffers for key "w" while the weights now have key "x": a state from another model.
        var state = new StrategyState(Weights(("m/w", [0f]), ("v/w", [9f])), 1);
        var error = Assert.Throws<ArgumentException>(() =>
            _strategy.Aggregate(Weights(("x", [0f])), [Update(0, 1, ("x", [1f]))], state));
        Assert.Contains("no buffer 'm/x'", error.Message);
    }

    [Theory]
    [InlineData(-0.5, 0.9, 0.001, "server_learning_rate", "server_learning_rate must be > 0, got -0.5")]
    [InlineData(0.1, 1.5, 0.001, "beta_1", "beta_1 must be >= 0 and < 1, got 1.5")]
    [InlineData(0.1, 0.9, double.NaN, "tau", "tau must be > 0, got NaN")]
    public void Refuses_bad_parameters(double eta, double beta1, double tau, string parameter, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FedAdagrad(eta, beta1, tau));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(expected, error.Message);
    }
}
