using Parity.Federation.Strategies;

namespace Parity.Federation.Privacy;

/// <summary>
/// The calibration of differentially private rounds (DP-FedAvg, McMahan et al., "Learning Differentially Private
/// Recurrent Language Models", 2018), as pure functions. The unit of privacy is one participant's whole part: adding or
/// removing it moves the sum of a round's clipped updates by at most the clip C, so noise of standard deviation z·C on
/// that sum makes the round a Gaussian mechanism of multiplier z, whatever the aggregate then does with the sum.
/// <list type="bullet">
/// <item>Server mode: the session clips each update, sums, adds N(0, (z_Δ·C)²) once, and divides by the count.</item>
/// <item>Client mode: each of the m participants clips its own update and adds N(0, (z_Δ·C)²/m); the sum of the m
/// updates then carries exactly z_Δ·C. Of k &lt; m updates, the sum carries z_Δ·C·√(k/m), and the round is charged
/// at that smaller multiplier. A single update carries only 1/√m of the noise: against whoever sees it alone (the
/// session, until secure aggregation hides it) the participant has the weaker multiplier z/(2√m) (replacement of its
/// data, a change of up to 2C).</item>
/// </list>
/// z_Δ is z, or under adaptive clipping the larger multiplier <see cref="AdaptiveClip.UpdateNoiseMultiplier"/> gives.
/// The updates enter the aggregate with equal weights: a weight by rows would let one participant move the mean by
/// more than C/k.
/// </summary>
public static class DifferentialPrivacy
{
    /// <summary>
    /// Every participant is asked every round, chosen by no random draw, so there is no amplification by sampling: the
    /// accountant charges each round at q = 1. A fraction of the participants that happened to answer is not a random
    /// sample and would overstate the privacy.
    /// </summary>
    public const double SamplingRate = 1.0;

    /// <summary>The multiplier the update noise is drawn at: z, or z_Δ under adaptive clipping.</summary>
    public static double UpdateNoiseMultiplier(FlPrivacySpec spec) => spec.Clipping == FlClipping.Adaptive
        ? AdaptiveClip.UpdateNoiseMultiplier(spec.NoiseMultiplier, spec.ClipCountStddev!.Value)
        : spec.NoiseMultiplier;

    /// <summary>Client mode: the standard deviation each of <paramref name="participants"/> adds to each weight of its update.</summary>
    public static double ClientNoiseStddev(double updateNoiseMultiplier, double clip, int participants) =>
        updateNoiseMultiplier * clip / Math.Sqrt(Positive(participants));

    /// <summary>Client mode: the standard deviation each participant adds to its centred indicator (σ_b/√m).</summary>
    public static double ClientCountStddev(double countStddev, int participants) => countStddev / Math.Sqrt(Positive(participants));

    /// <summary>
    /// The multiplier a round's aggregate of <paramref name="aggregated"/> of <paramref name="participants"/> updates
    /// carried: z in server mode (the session adds all of it), z·√(k/m) in client mode.
    /// </summary>
    public static double ChargedMultiplier(FlPrivacySpec spec, int aggregated, int participants) => spec.Mode == FlPrivacyMode.Server
        ? spec.NoiseMultiplier
        : spec.NoiseMultiplier * Math.Sqrt((double)Positive(aggregated) / Positive(participants));

    /// <summary>Client mode: the multiplier one participant's single update carries against whoever sees it (z/(2√m)).</summary>
    public static double UpdateMultiplier(double noiseMultiplier, int participants) => noiseMultiplier / (2 * Math.Sqrt(Positive(participants)));

    /// <summary>The (ε, order) of rounds charged at <paramref name="multipliers"/> (one per round), at δ.</summary>
    public static (double Epsilon, double Order) Epsilon(IEnumerable<double> multipliers, double delta)
    {
        var accountant = new PrivacyAccountant();
        var rounds = 0;
        foreach (var multiplier in multipliers)
        {
            accountant.Spend(SamplingRate, multiplier);
            rounds++;
        }
        return rounds == 0 ? (0, accountant.Orders[0]) : accountant.Epsilon(delta);
    }

    /// <summary>
    /// Client mode, on the runner: the update (local − global) clipped to <paramref name="clip"/> and noised with
    /// <paramref name="noiseStddev"/> per weight; with <paramref name="countStddev"/> (adaptive clipping) also the
    /// centred indicator of its norm, noised with that.
    /// </summary>
    public static (Dictionary<string, float[]> Delta, double Norm, double? Indicator) PrivatizeUpdate(
        IReadOnlyDictionary<string, float[]> delta, double clip, double noiseStddev, double? countStddev, GaussianNoise noise)
    {
        var (clipped, norm) = L2Clipping.Clip(delta, clip);
        noise.AddTo(clipped, noiseStddev);
        double? indicator = countStddev is { } stddev ? AdaptiveClip.Indicator(norm, clip) + stddev * noise.Next() : null;
        return (clipped, norm, indicator);
    }

    /// <summary>
    /// Client mode, on the runner, from the trained and the global weights: the weights to send (global + the clipped,
    /// noised update), that update, and the noised indicator. The session computes the update from the weights sent,
    /// so it never sees the trained weights.
    /// </summary>
    public static (Dictionary<string, float[]> Weights, Dictionary<string, float[]> Delta, double? Indicator) PrivatizeWeights(
        IReadOnlyDictionary<string, float[]> trained, IReadOnlyDictionary<string, float[]> global, double clip, double noiseStddev,
        double? countStddev, GaussianNoise noise)
    {
        var delta = trained.ToDictionary(p => p.Key, p =>
        {
            var start = global[p.Key];
            return p.Value.Select((value, i) => value - start[i]).ToArray();
        });
        var (noised, _, indicator) = PrivatizeUpdate(delta, clip, noiseStddev, countStddev, noise);
        var weights = noised.ToDictionary(p => p.Key, p =>
        {
            var start = global[p.Key];
            return p.Value.Select((value, i) => start[i] + value).ToArray();
        });
        return (weights, noised, indicator);
    }

    /// <summary>
    /// Server mode, in the session: each update clipped to <paramref name="clip"/>, weighted equally, and the noise
    /// N(0, <paramref name="noiseStddev"/>²) on the sum shared out as noise/k to each, so that the strategy's mean of
    /// them is exactly (Σ clipped + noise)/k. Also the sum of the updates' centred indicators (not yet noised).
    /// </summary>
    public static (IReadOnlyList<ClientUpdate> Updates, double IndicatorSum) ServerAggregateInput(
        IReadOnlyList<ClientUpdate> updates, double clip, double noiseStddev, GaussianNoise noise)
    {
        if (updates.Count == 0) return ([], 0);
        var clipped = new List<(ClientUpdate Update, Dictionary<string, float[]> Delta)>(updates.Count);
        double indicators = 0;
        foreach (var update in updates)
        {
            var (delta, norm) = L2Clipping.Clip(update.Delta, clip);
            indicators += AdaptiveClip.Indicator(norm, clip);
            clipped.Add((update, delta));
        }
        var share = clipped[0].Delta.ToDictionary(p => p.Key, p => new float[p.Value.Length]);
        noise.AddTo(share, noiseStddev);
        var result = new List<ClientUpdate>(updates.Count);
        foreach (var (update, delta) in clipped)
        {
            foreach (var (key, values) in delta)
            {
                var noiseShare = share[key];
                for (var i = 0; i < values.Length; i++) values[i] += noiseShare[i] / updates.Count;
            }
            result.Add(update with { Delta = delta, SampleCount = 1 });
        }
        return (result, indicators);
    }

    /// <summary>Client mode: the updates as the strategy takes them, with equal weights (their noise is already in them).</summary>
    public static IReadOnlyList<ClientUpdate> EqualWeights(IReadOnlyList<ClientUpdate> updates) =>
        updates.Select(u => u with { SampleCount = 1 }).ToList();

    private static int Positive(int count) => count > 0 ? count : throw new ArgumentOutOfRangeException(nameof(count), count, "must be > 0");
}
