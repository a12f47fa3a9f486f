using System.Numerics.Tensors;

namespace Parity.Learning.Models;

/// <summary>Checks and arithmetic on named weight arrays (a model's <c>weights</c> dictionary).</summary>
internal static class WeightSet
{
    /// <summary>
    /// The array under <paramref name="key"/>, checked to hold <paramref name="length"/> finite values; the message says
    /// which <paramref name="shape"/> was expected.
    /// </summary>
    public static float[] Take(IReadOnlyDictionary<string, float[]> weights, string key, int length, string shape)
    {
        if (!weights.TryGetValue(key, out var values) || values is null)
            throw new ModelConfigException($"global model lacks {key} ({shape})", key);
        if (values.Length != length)
            throw new ModelConfigException(
                $"global model does not fit this network: {key} has {values.Length} values, expected {length} ({shape})", key);
        var bad = IndexOfNonFinite(values);
        if (bad >= 0)
            throw new ModelConfigException($"global model has a non-finite value in {key}[{bad}]: {values[bad]}", key);
        return values;
    }

    public static void RejectUnknownKeys(IReadOnlyDictionary<string, float[]> weights, IReadOnlyCollection<string> known)
    {
        foreach (var key in weights.Keys)
        {
            if (!known.Contains(key))
                throw new ModelConfigException(
                    $"global model has key {key}, which this network does not have (expected {string.Join(", ", known)})", key);
        }
    }

    public static Dictionary<string, float[]> Difference(
        IReadOnlyDictionary<string, float[]> after, IReadOnlyDictionary<string, float[]> before)
    {
        var update = new Dictionary<string, float[]>(after.Count);
        foreach (var (key, values) in after)
        {
            var delta = new float[values.Length];
            TensorPrimitives.Subtract(values, before[key], delta);
            update[key] = delta;
        }
        return update;
    }

    public static bool AllFinite(ReadOnlySpan<float> values) => IndexOfNonFinite(values) < 0;

    /// <summary>The first NaN or ±∞, or −1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        // MaxMagnitude is NaN or ∞ exactly when some value is: a vectorized pre-check before the scalar search.
        if (values.IsEmpty || float.IsFinite(TensorPrimitives.MaxMagnitude(values))) return -1;
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
