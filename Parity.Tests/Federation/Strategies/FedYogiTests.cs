using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class FedYogiTests
{
    // η = 2, β₁ = 0.5, β₂ = 0.5, τ = 1.
    private readonly FedYogi _strategy = new(serverLearningRate: 2, beta1: 0.5, beta2: 0.5, tau: 1);

    [Fact]
    public void Carries_both_moments_across_two_rounds()
    {
        // Round 1 from w = (0, 0). Δ = ((1·1 + 3·5)/4, (1·(−2) + 3·2)/4) = (4, 1). v starts at τ² = 1.
        // v[0]: 1 − 16 < 0, sign −1: v = 1 + 0.5·16 = 9.   v[1]: 1 − 1 = 0, sign 0: v stays 1.
        // m = 0.5·(4, 1) = (2, 0.5); step = 2·(2/(3 + 1), 0.5/(1 + 1)) = (1, 0.5); w = (1, 0.5).
        var first = _strategy.Aggregate(GlobalW(0f, 0f), [W(0, 1, 1f, -2f), W(1, 3, 5f, 2f)], StrategyState.Empty);
        Assert.Equal([1f, 0.5f], first.Global["w"]);
        Assert.Equal([2f, 0.5f], first.State.Buffers["m/w"]);
        Assert.Equal([9f, 1f], first.State.Buffers["v/w"]);

        // Round 2 from w = (1, 0.5). Δ = ((−10 − 14)/2, (1 + 0)/2) = (−12, 0.5).
        // v[0]: 9 − 144 < 0, sign −1: v = 9 + 0.5·144 = 81.   v[1]: 1 − 0.25 > 0, sign +1: v = 1 − 0.5·0.25 = 0.875.
        // m = 0.5·(2, 0.5) + 0.5·(−12, 0.5) = (−5, 0.5).
        // w[0] = 1 + 2·(−5)/(9 + 1) = 0.   w[1] = 0.5 + 2·0.5/(√0.875 + 1) = 0.5 + 1/1.9354143 = 0.5 + 0.5166852 = 1.0166852.
        var second = _strategy.Aggregate(first.Global, [W(0, 1, -10f, 1f), W(1, 1, -14f, 0f)], first.State);
        Assert.Equal(0f, second.Global["w"][0]);
        Assert.Equal(1.0166852, second.Global["w"][1], 6);
        Assert.Equal([-5f, 0.5f], second.State.Buffers["m/w"]);
        Assert.Equal([81f, 0.875f], second.State.Buffers["v/w"]);
        Assert.Equal(2, second.State.Round);
    }

    [Fact]
    public void Differs_from_adam_where_the_second_moment_shrinks()
    {
        // From v = 1, Δ = 0.5, β₂ = 0.5: Yogi v = 1 − 0.5·0.25·sign(1 − 0.25) = 0.875; Adam v = 0.5·1 + 0.5·0.25 = 0.625.
        var state = new StrategyState(Weights(("m/w", [0f]), ("v/w", [1f])), 1);
        var yogi = _strategy.Aggregate(GlobalW(0f), [W(0, 1, 0.5f)], state);
        var adam = new FedAdam(2, 0.5, 0.5, 1).Aggregate(GlobalW(0f), [W(0, 1, 0.5f)], state);
        Assert.Equal([0.875f], yogi.State.Buffers["v/w"]);
        Assert.Equal([0.625f], adam.State.Buffers["v/w"]);
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

    [Theory]
    [InlineData(0.1, -0.1, 0.99, 0.001, "beta_1", "beta_1 must be >= 0 and < 1, got -0.1")]
    [InlineData(0.1, 0.9, 1.0, 0.001, "beta_2", "beta_2 must be >= 0 and < 1, got 1")]
    [InlineData(0.1, 0.9, 0.99, -0.001, "tau", "tau must be > 0, got -0.001")]
    [InlineData(0.0, 0.9, 0.99, 0.001, "server_learning_rate", "server_learning_rate must be > 0, got 0")]
    public void Refuses_bad_parameters(double eta, double beta1, double beta2, double tau, string parameter, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FedYogi(eta, beta1, beta2, tau));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(expected, error.Message);
    }
}
