namespace Parity.Federation.Strategies;

/// <summary>
/// One round's input after the defensive checks: updates sorted by PartIndex and weight keys in ordinal order, so
/// every loop over them runs in the same order whatever order the caller handed them in.
/// </summary>
internal sealed class RoundInput
{
    private RoundInput(string strategy, IReadOnlyDictionary<string, float[]> global, ClientUpdate[] updates, string[] keys, StrategyState state)
    {
        Strategy = strategy;
        Global = global;
        Updates = updates;
        Keys = keys;
        State = state;
    }

    /// <summary>The wire name of the strategy, for error messages.</summary>
    public string Strategy { get; }

    public IReadOnlyDictionary<string, float[]> Global { get; }

    /// <summary>Sorted by ascending PartIndex.</summary>
    public ClientUpdate[] Updates { get; }

    /// <summary>The weight keys in ordinal order.</summary>
    public string[] Keys { get; }

    public StrategyState State { get; }

    public int Count => Updates.Length;

    /// <summary>
    /// The caller promises well-formed input; these checks are defence in depth against a session bug or a hostile
    /// participant that slipped past it, because one NaN or one short array would poison every later round.
    /// </summary>
    public static RoundInput Validate(
        string strategy, IReadOnlyDictionary<string, float[]> global, IReadOnlyList<ClientUpdate> updates, StrategyState state)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Buffers is null)
            throw new ArgumentException($"{strategy}: state.Buffers is null", nameof(state));
        if (state.Round < 0)
            throw new ArgumentException($"{strategy}: state.Round must be >= 0, got {state.Round}", nameof(state));
        if (global.Count == 0)
            throw new ArgumentException($"{strategy}: the global weights have no keys", nameof(global));
        if (updates.Count == 0)
            throw new ArgumentException($"{strategy}: at least one update is required, got 0", nameof(updates));

        var keys = global.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var values = global[key] ?? throw new ArgumentException($"{strategy}: global[{key}] is null", nameof(global));
            var bad = FirstNonFinite(values);
            if (bad >= 0)
                throw new ArgumentException($"{strategy}: global[{key}][{bad}] is not finite ({values[bad]})", nameof(global));
        }

        var sorted = new ClientUpdate[updates.Count];
        for (var i = 0; i < sorted.Length; i++)
            sorted[i] = updates[i] ?? throw new ArgumentException($"{strategy}: updates[{i}] is null", nameof(updates));
        // A stable sort on a unique key: the outcome cannot depend on the order the caller used.
        Array.Sort(sorted, (a, b) => a.PartIndex.CompareTo(b.PartIndex));

        for (var i = 0; i < sorted.Length; i++)
        {
            var update = sorted[i];
            if (i > 0 && sorted[i - 1].PartIndex == update.PartIndex)
                throw new ArgumentException($"{strategy}: part {update.PartIndex} sent more than one update", nameof(updates));
            if (update.SampleCount < 1)
                throw new ArgumentException(
                    $"{strategy}: part {update.PartIndex} has sample count {update.SampleCount}; it must be >= 1", nameof(updates));
            if (update.Delta is null)
                throw new ArgumentException($"{strategy}: part {update.PartIndex} has no delta", nameof(updates));
            if (update.Delta.Count != keys.Length)
                throw new ArgumentException(
                    $"{strategy}: part {update.PartIndex} has {update.Delta.Count} weight keys, the global weights have {keys.Length} " +
                    $"({Describe(update.Delta.Keys, global)})",
                    nameof(updates));
            foreach (var key in keys)
            {
                if (!update.Delta.TryGetValue(key, out var delta) || delta is null)
                    throw new ArgumentException($"{strategy}: part {update.PartIndex} has no delta for key '{key}'", nameof(updates));
                if (delta.Length != global[key].Length)
                    throw new ArgumentException(
                        $"{strategy}: part {update.PartIndex} delta '{key}' has length {delta.Length}, the global weights have {global[key].Length}",
                        nameof(updates));
                var bad = FirstNonFinite(delta);
                if (bad >= 0)
                    throw new ArgumentException(
                        $"{strategy}: part {update.PartIndex} delta '{key}'[{bad}] is not finite ({delta[bad]})", nameof(updates));
            }
        }

        return new RoundInput(strategy, global, sorted, keys, state);
    }

    /// <summary>Σ nᵢ Δᵢ / Σ nᵢ per key over the given updates (all of them when null), in double, PartIndex order.</summary>
    public Dictionary<string, double[]> WeightedMeanDelta(IReadOnlyList<ClientUpdate>? subset = null)
    {
        var chosen = subset ?? Updates;
        // Sample counts are longs; summing them in double cannot overflow, and any count a real dataset has is exact.
        var total = 0.0;
        foreach (var update in chosen)
            total += update.SampleCount;
        var mean = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            var sum = new double[Global[key].Length];
            foreach (var update in chosen)
            {
                var weight = (double)update.SampleCount;
                var delta = update.Delta[key];
                for (var j = 0; j < sum.Length; j++)
                    sum[j] += weight * delta[j];
            }
            for (var j = 0; j < sum.Length; j++)
                sum[j] /= total;
            mean[key] = sum;
        }
        return mean;
    }

    /// <summary>global + step per key, added in double and rounded to float once.</summary>
    public IReadOnlyDictionary<string, float[]> Apply(IReadOnlyDictionary<string, double[]> step)
    {
        var next = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            var weights = Global[key];
            var delta = step[key];
            var result = new float[weights.Length];
            for (var j = 0; j < result.Length; j++)
                result[j] = ToFloat(weights[j] + delta[j], "global", key, j);
            next[key] = result;
        }
        return next;
    }

    /// <summary>A result for a strategy that keeps no buffers: the round counter still advances.</summary>
    public AggregationResult Stateless(IReadOnlyDictionary<string, double[]> step, IReadOnlyList<int>? used = null) =>
        new(Apply(step),
            new StrategyState(new Dictionary<string, float[]>(StringComparer.Ordinal), State.Round + 1),
            used ?? Updates.Select(u => u.PartIndex).ToArray(),
            []);

    /// <summary>
    /// Rounds a result to float, refusing one that no longer fits: finite inputs near float's limit (a hostile delta
    /// of 3e38 on a weight of 3e38) can sum past it, and an infinity written into the global weights or the state
    /// would poison every later round.
    /// </summary>
    public float ToFloat(double value, string what, string key, int index)
    {
        var rounded = (float)value;
        if (!float.IsFinite(rounded))
            throw new ArgumentException($"{Strategy}: the aggregate overflows float at {what} '{key}'[{index}] ({value:R})", "updates");
        return rounded;
    }

    private static int FirstNonFinite(float[] values)
    {
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                return i;
        return -1;
    }

    private static string Describe(IEnumerable<string> got, IReadOnlyDictionary<string, float[]> global)
    {
        var extra = got.Where(k => !global.ContainsKey(k)).Order(StringComparer.Ordinal).Take(3).ToArray();
        return extra.Length > 0 ? "unexpected: " + string.Join(", ", extra) : "some keys missing";
    }
}
