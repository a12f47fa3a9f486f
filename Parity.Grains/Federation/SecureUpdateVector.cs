using Parity.Federation.Privacy;

namespace Parity.Federation;

/// <summary>
/// The vector a participant masks under secure aggregation, and the mean the session reads back from the sum. A
/// participant sends [w·Δ, w], Δ = local − global flattened key by key in ordinal order, w its FedAvg weight; the sum
/// over the survivors divided by its last coordinate is exactly FedAvg's weighted mean Σ wᵢΔᵢ / Σ wᵢ, and the weights
/// (how many rows each part has) stay hidden in the sum too.
/// </summary>
public static class SecureUpdateVector
{
    /// <summary>Coordinates of the vector for a model with these weights: every value, and the weight.</summary>
    public static int Length(IReadOnlyDictionary<string, float[]> global) => global.Values.Sum(v => v.Length) + 1;

    /// <param name="updateClip">Clip Δ to this L2 norm first (0: it is clipped already, by differential privacy).</param>
    /// <param name="clipRange">The fixed-point range: every coordinate is clamped to ±clipRange, so encoding cannot fail (a
    /// clipped Δ times w ≤ 1 is within it already; only privacy noise can reach past it, and clamping noise is post-processing).</param>
    public static float[] Build(IReadOnlyDictionary<string, float[]> weights, IReadOnlyDictionary<string, float[]> global,
        double weight, double updateClip, double clipRange)
    {
        var delta = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (key, values) in global)
        {
            if (!weights.TryGetValue(key, out var local) || local.Length != values.Length)
                throw new ArgumentException($"the trained weights lack {key} or differ from the global model's shape");
            var difference = new float[values.Length];
            for (var i = 0; i < values.Length; i++) difference[i] = local[i] - values[i];
            delta[key] = difference;
        }
        if (updateClip > 0) delta = L2Clipping.Clip(delta, updateClip).Clipped;
        var vector = new float[Length(global)];
        var at = 0;
        foreach (var key in global.Keys.Order(StringComparer.Ordinal))
        foreach (var value in delta[key])
            vector[at++] = Clamp(value * weight, clipRange);
        vector[at] = Clamp(weight, clipRange);
        return vector;
    }

    /// <summary>The weighted mean Δ from the survivors' summed vector, per key, and the sum of their weights.</summary>
    public static (Dictionary<string, float[]> Mean, double TotalWeight) Mean(IReadOnlyList<double> sum, IReadOnlyDictionary<string, float[]> global)
    {
        if (sum.Count != Length(global)) throw new ArgumentException($"the sum has {sum.Count} coordinates, the model {Length(global)}");
        var total = sum[^1];
        if (!(total > 0)) throw new ArgumentException($"the survivors' weights sum to {total}: nothing to average");
        var mean = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var at = 0;
        foreach (var key in global.Keys.Order(StringComparer.Ordinal))
        {
            var values = new float[global[key].Length];
            for (var i = 0; i < values.Length; i++) values[i] = (float)(sum[at++] / total);
            mean[key] = values;
        }
        return (mean, total);
    }

    private static float Clamp(double value, double range) => (float)Math.Clamp(value, -range, range);
}
