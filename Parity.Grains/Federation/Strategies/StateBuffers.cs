namespace Parity.Federation.Strategies;

/// <summary>
/// Reads a stateful strategy's buffers from the carried state. An empty state means "first round" and gets the
/// initial values; anything else must be exactly this strategy's buffers for these weights, because a state left by
/// another strategy or by differently shaped weights would silently corrupt the optimiser.
/// </summary>
internal static class StateBuffers
{
    /// <param name="prefixes">One buffer per weight key per prefix, named prefix + key.</param>
    /// <param name="initial">The first-round value of every element, by prefix.</param>
    public static Dictionary<string, float[]> Read(string strategy, RoundInput input, string[] prefixes, Func<string, float> initial)
    {
        var buffers = input.State.Buffers;
        var read = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (buffers.Count == 0)
        {
            foreach (var prefix in prefixes)
            {
                var value = initial(prefix);
                foreach (var key in input.Keys)
                {
                    var fresh = new float[input.Global[key].Length];
                    Array.Fill(fresh, value);
                    read[prefix + key] = fresh;
                }
            }
            return read;
        }

        var expected = prefixes.Length * input.Keys.Length;
        if (buffers.Count != expected)
        {
            var stray = buffers.Keys
                .Where(name => !prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal) && input.Global.ContainsKey(name[p.Length..])))
                .Order(StringComparer.Ordinal).Take(3).ToArray();
            var unexpected = stray.Length > 0 ? "; unexpected: " + string.Join(", ", stray) : "";
            throw new ArgumentException(
                $"{strategy}: the state holds {buffers.Count} buffers, expected {expected} " +
                $"({string.Join(", ", prefixes)} per weight key){unexpected}",
                "state");
        }
        foreach (var prefix in prefixes)
        {
            foreach (var key in input.Keys)
            {
                var name = prefix + key;
                if (!buffers.TryGetValue(name, out var values) || values is null)
                    throw new ArgumentException($"{strategy}: the state has no buffer '{name}' (was it written by another strategy?)", "state");
                if (values.Length != input.Global[key].Length)
                    throw new ArgumentException(
                        $"{strategy}: state buffer '{name}' has length {values.Length}, the global weights '{key}' have {input.Global[key].Length}",
                        "state");
                for (var j = 0; j < values.Length; j++)
                    if (!float.IsFinite(values[j]))
                        throw new ArgumentException($"{strategy}: state buffer '{name}'[{j}] is not finite ({values[j]})", "state");
                read[name] = values;
            }
        }
        return read;
    }
}
