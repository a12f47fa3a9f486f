namespace Parity.Federation.Strategies;

/// <summary>
/// FedAvg with server momentum (Hsu et al. 2019). The weighted mean delta g is treated as a pseudo-gradient step:
/// v ← β v + g, then global + η v. With η = 1 and β = 0 it is FedAvg. The velocity v is kept in the state under
/// "momentum/&lt;key&gt;".
/// </summary>
public sealed class FedAvgM : IAggregationStrategy
{
    public const string WireName = "fedavgm";
    public const string BufferPrefix = "momentum/";

    public FedAvgM(double serverLearningRate, double serverMomentum)
    {
        ServerLearningRate = ParameterGuard.Positive("server_learning_rate", serverLearningRate);
        ServerMomentum = ParameterGuard.UnitInterval("server_momentum", serverMomentum);
    }

    public string Name => WireName;

    public double ServerLearningRate { get; }

    public double ServerMomentum { get; }

    public AggregationResult Aggregate(IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        var input = RoundInput.Validate(Name, global, updates, state);
        var velocity = StateBuffers.Read(Name, input, [BufferPrefix], _ => 0f);
        var mean = input.WeightedMeanDelta();

        var step = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var key in input.Keys)
        {
            var g = mean[key];
            var previous = velocity[BufferPrefix + key];
            var next = new float[g.Length];
            var move = new double[g.Length];
            for (var j = 0; j < g.Length; j++)
            {
                var v = ServerMomentum * previous[j] + g[j];
                next[j] = input.ToFloat(v, "state buffer", BufferPrefix + key, j);
                move[j] = ServerLearningRate * v;
            }
            step[key] = move;
            buffers[BufferPrefix + key] = next;
        }

        return new AggregationResult(
            input.Apply(step),
            new StrategyState(buffers, input.State.Round + 1),
            input.Updates.Select(u => u.PartIndex).ToArray(),
            []);
    }
}
