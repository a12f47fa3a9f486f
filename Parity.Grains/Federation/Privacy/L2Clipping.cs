namespace Parity.Federation.Privacy;

/// <summary>
/// Clipping a model update to an L2 norm: the norm is taken over all of the update's weights together (every layer),
/// and an update above the clip is scaled down to it, keeping its direction. That bounds what one participant can move
/// a sum of updates by, the sensitivity the Gaussian noise is calibrated to.
/// </summary>
public static class L2Clipping
{
    /// <summary>The L2 norm over every value of every key, summed in key order so that it never depends on a dictionary's order.</summary>
    public static double Norm(IReadOnlyDictionary<string, float[]> update)
    {
        double squares = 0;
        foreach (var key in update.Keys.Order(StringComparer.Ordinal))
            foreach (var value in update[key])
                squares += (double)value * value;
        return Math.Sqrt(squares);
    }

    /// <summary>The factor an update of norm <paramref name="norm"/> is scaled by: min(1, clip / norm).</summary>
    public static double Factor(double norm, double clip)
    {
        if (!(clip > 0)) throw new ArgumentOutOfRangeException(nameof(clip), clip, "the clip must be > 0");
        return norm <= clip ? 1 : clip / norm;
    }

    /// <summary>A copy of <paramref name="update"/> scaled to at most <paramref name="clip"/>, and the norm it had.</summary>
    public static (Dictionary<string, float[]> Clipped, double Norm) Clip(IReadOnlyDictionary<string, float[]> update, double clip)
    {
        var norm = Norm(update);
        var factor = Factor(norm, clip);
        var clipped = new Dictionary<string, float[]>(update.Count);
        foreach (var (key, values) in update)
        {
            var scaled = new float[values.Length];
            for (var i = 0; i < values.Length; i++) scaled[i] = (float)(values[i] * factor);
            clipped[key] = scaled;
        }
        return (clipped, norm);
    }
}
