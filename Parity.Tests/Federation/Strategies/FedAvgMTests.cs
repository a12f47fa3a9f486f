using Parity.Federation.Strategies;
using static Parity.Tests.Federation.Strategies.StrategyTestData;

namespace Parity.Tests.Federation.Strategies;

public class FedAvgMTests
{
    [Fact]
    public void Carries_momentum_across_two_rounds()
    {
        var strategy = new FedAvgM(serverLearningRate: 0.5, serverMomentum: 0.5);

        // Round 1 from w = (1, −1): g = ((2 + 0)/2, (0 + 4)/2) = (1, 2); v = 0.5·0 + g = (1, 2);
        // w = (1 + 0.5·1, −1 + 0.5·2) = (1.5, 0).
        var first = strategy.Aggregate(GlobalW(1f, -1f), [W(0, 1, 2f, 0f), W(1, 1, 0f, 4f)], StrategyState.Empty);
        Assert.Equal([1.5f, 0f], first.Global["w"]);
        Assert.Equal([1f, 2f], first.State.Buffers["momentum/w"]);
        Assert.Equal(1, first.State.Round);

        // Round 2 from w = (1.5, 0): g = ((3·1 + 1·(−3))/4, (3·1 + 1·5)/4) = (0, 2);
        // v = 0.5·(1, 2) + (0, 2) = (0.5, 3); w = (1.5 + 0.5·0.5, 0 + 0.5·3) = (1.75, 1.5).
        var second = strategy.Aggregate(first.Global, [W(0, 3, 1f, 1f), W(1, 1, -3f, 5f)], first.State);
        Assert.Equal([1.75f, 1.5f], second.Global["w"]);
        Assert.Equal([0.5f, 3f], second.State.Buffers["momentum/w"]);
        Assert.Equal(2, second.State.Round);
        Assert.Single(second.State.Buffers);
        // The first round's state is not mutated by the second.
        Assert.Equal([1f, 2f], first.State.Buffers["momentum/w"]);
    }

    [Fact]
    public void Is_order_independent()
    {
        var strategy = new FedAvgM(1, 0.9);
        var updates = new[] { W(0, 1, 1e16f), W(1, 1, 1f), W(2, 1, -1e16f) };
        var sorted = strategy.Aggregate(GlobalW(5f), updates, StrategyState.Empty);
        var shuffled = strategy.Aggregate(GlobalW(5f), [updates[0], updates[2], updates[1]], StrategyState.Empty);
        // Sum in PartIndex order (1e16f + 1) − 1e16f = 0 (see FedAvgTests), so v = 0 and w stays 5.
        Assert.Equal([5f], sorted.Global["w"]);
        Assert.Equal(Bytes(sorted), Bytes(shuffled));
    }

    [Fact]
    public void Refuses_a_state_left_by_another_strategy()
    {
        var adamState = new StrategyState(Weights(("m/w", [0f]), ("v/w", [1f])), 1);
        var error = Assert.Throws<ArgumentException>(() => new FedAvgM(1, 0.5).Aggregate(GlobalW(0f), [W(0, 1, 1f)], adamState));
        Assert.Contains("fedavgm", error.Message);
        Assert.Contains("expected 1", error.Message);
    }

    [Fact]
    public void Refuses_a_momentum_buffer_of_the_wrong_length()
    {
        var state = new StrategyState(Weights(("momentum/w", [0f])), 1);
        var error = Assert.Throws<ArgumentException>(() => new FedAvgM(1, 0.5).Aggregate(GlobalW(0f, 0f), [W(0, 1, 1f, 1f)], state));
        Assert.Contains("state buffer 'momentum/w' has length 1", error.Message);
    }

    [Fact]
    public void Refuses_a_non_finite_momentum_buffer()
    {
        var state = new StrategyState(Weights(("momentum/w", [float.NaN])), 1);
        var error = Assert.Throws<ArgumentException>(() => new FedAvgM(1, 0.5).Aggregate(GlobalW(0f), [W(0, 1, 1f)], state));
        Assert.Contains("'momentum/w'[0] is not finite", error.Message);
    }

    [Theory]
    [InlineData(0.0, 0.5, "server_learning_rate", "server_learning_rate must be > 0, got 0")]
    [InlineData(-1.0, 0.5, "server_learning_rate", "server_learning_rate must be > 0, got -1")]
    [InlineData(double.NaN, 0.5, "server_learning_rate", "server_learning_rate must be > 0, got NaN")]
    [InlineData(1.0, 1.0, "server_momentum", "server_momentum must be >= 0 and < 1, got 1")]
    [InlineData(1.0, -0.1, "server_momentum", "server_momentum must be >= 0 and < 1, got -0.1")]
    public void Refuses_bad_parameters(double eta, double beta, string parameter, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FedAvgM(eta, beta));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(expected, error.Message);
    }
}
