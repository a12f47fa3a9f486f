namespace Parity.Federation.Strategies;

/// <summary>
/// The adaptive server optimisers of Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2, shared by
/// <see cref="FedAdagrad"/>, <see cref="FedAdam"/> and <see cref="FedYogi"/>, which differ only in the second-moment
/// rule. With Δ the sample-weighted mean delta:
/// m ← β₁ m + (1 − β₁) Δ; v by the rule; global + η m / (√v + τ).
/// As in the paper there is no bias correction. Moments are kept in the state as "m/&lt;key&gt;" and "v/&lt;key&gt;".
/// </summary>
internal static class ServerOptimizer
{
    public const string FirstMomentPrefix = "m/";
    public const string SecondMomentPrefix = "v/";

    public static AggregationResult Step(
        string strategy, SecondMomentRule rule, double eta, double beta1, double beta2, double tau,
        IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        var input = RoundInput.Validate(strategy, global, updates, state);
        // As the paper does (Algorithm 2 initialises v to τ²), v starts at τ² and m at 0. Without bias correction a v
        // started at 0 would, under Adam with β₂ = 0.99, be 0.01·Δ² after one round, turning the first step into
        // roughly η(1 − β₁)·10·sign(Δ) in every coordinate however small Δ is.
        var tauSquared = (float)(tau * tau);
        var moments = StateBuffers.Read(strategy, input, [FirstMomentPrefix, SecondMomentPrefix],
            prefix => prefix == SecondMomentPrefix ? tauSquared : 0f);
        foreach (var key in input.Keys)
        {
            var v = moments[SecondMomentPrefix + key];
            for (var j = 0; j < v.Length; j++)
                if (v[j] < 0)
                    // √v of a negative second moment is NaN: such a state cannot have come from these rules.
                    throw new ArgumentException($"{strategy}: state buffer '{SecondMomentPrefix}{key}'[{j}] is negative ({v[j]})", nameof(state));
        }

        var mean = input.WeightedMeanDelta();
        var step = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var key in input.Keys)
        {
            var delta = mean[key];
            var mPrevious = moments[FirstMomentPrefix + key];
            var vPrevious = moments[SecondMomentPrefix + key];
            var mNext = new float[delta.Length];
            var vNext = new float[delta.Length];
            var move = new double[delta.Length];
            for (var j = 0; j < delta.Length; j++)
            {
                var d = delta[j];
                var squared = d * d;
                var m = beta1 * mPrevious[j] + (1 - beta1) * d;
                double v = vPrevious[j];
                v = rule switch
                {
                    SecondMomentRule.Adagrad => v + squared,
                    SecondMomentRule.Adam => beta2 * v + (1 - beta2) * squared,
                    SecondMomentRule.Yogi => v - (1 - beta2) * squared * Math.Sign(v - squared),
                    _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown second-moment rule"),
                };
                mNext[j] = input.ToFloat(m, "state buffer", FirstMomentPrefix + key, j);
                vNext[j] = input.ToFloat(v, "state buffer", SecondMomentPrefix + key, j);
                move[j] = eta * m / (Math.Sqrt(v) + tau);
            }
            step[key] = move;
            buffers[FirstMomentPrefix + key] = mNext;
            buffers[SecondMomentPrefix + key] = vNext;
        }

        return new AggregationResult(
            input.Apply(step),
            new StrategyState(buffers, input.State.Round + 1),
            input.Updates.Select(u => u.PartIndex).ToArray(),
            []);
    }
}
