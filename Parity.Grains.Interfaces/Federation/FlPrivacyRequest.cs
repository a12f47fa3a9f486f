using System.Globalization;
using System.Text.Json;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// Parses <c>config.privacy_config</c> of a session request. With <c>differential_privacy: true</c> every parameter
/// must be given (none is defaulted) and each failure names its field; without it, the differential-privacy
/// parameters are refused unless zero (the upstream client sends <c>noise_multiplier: 0, l2_norm_clip: 0</c>), since a
/// user who asks for noise must not silently get none. Checks that need the participants (δ below 1/n, the first
/// round within <c>max_epsilon</c>) are the session's, at start.
/// </summary>
public static class FlPrivacyRequest
{
    private const string Prefix = "config.privacy_config.";

    /// <summary>Parity's differential-privacy parameters, beside the upstream client's four fields.</summary>
    public static IReadOnlyList<string> DifferentialPrivacyFields { get; } =
        ["mode", "clipping", "target_delta", "max_epsilon", "target_quantile", "clip_learning_rate", "clip_count_stddev"];

    public static IReadOnlyList<string> Fields { get; } =
        ["differential_privacy", "secure_aggregation", "noise_multiplier", "l2_norm_clip", .. DifferentialPrivacyFields];

    /// <summary>The parameters read only with adaptive clipping.</summary>
    public static IReadOnlyList<string> AdaptiveFields { get; } = ["target_quantile", "clip_learning_rate", "clip_count_stddev"];

    /// <summary>
    /// The aggregation methods whose aggregate is a mean of the updates, the quantity the noise is calibrated to (one
    /// participant moves a sum of clipped updates by at most the clip). A median, trimmed mean or Krum choice has
    /// another sensitivity, and the reported ε would not hold for it.
    /// </summary>
    public static IReadOnlyList<string> MeanMethods { get; } =
        ["fedavg", "federated_averaging", "fedavgm", "fedprox", "fedadagrad", "fedadam", "fedyogi"];

    /// <summary>
    /// <c>secure_aggregation: true</c>, checked against what it cannot serve: strategies that need each update (median,
    /// trimmed mean, Krum: they would silently get only the sum), forests, participants outside the cluster (they do not
    /// run the key steps), server-mode differential privacy (which clips each update at the session, which never sees
    /// one), and an unbounded update (the fixed-point ring is sized by the bound).
    /// </summary>
    public static bool SecureAggregation(JsonElement config, FederatedModelType modelType, string method, bool hasExternalParticipants,
        double? maxUpdateNorm, FlPrivacySpec? differentialPrivacy)
    {
        if (JsonFields.Field(config, "privacy_config") is not { ValueKind: JsonValueKind.Object } privacy
            || JsonFields.Boolean(privacy, "secure_aggregation", Prefix) != true) return false;
        const string field = Prefix + "secure_aggregation";
        if (modelType == FederatedModelType.RandomForest)
            throw new TaskConfigException($"{field}: random_forest is not covered (secure aggregation sums weight updates; a forest sends trees)");
        if (!MeanMethods.Contains(method))
            throw new TaskConfigException($"{field}: {method} needs each participant's update, and secure aggregation shows the session only " +
                                          $"their sum; use one of {string.Join(", ", MeanMethods)}");
        if (hasExternalParticipants)
            throw new TaskConfigException($"{field}: external_participants cannot take part (the key steps run between the cluster's runners)");
        if (differentialPrivacy is { Mode: FlPrivacyMode.Server })
            throw new TaskConfigException($"{field}: server-mode differential privacy clips each update at the session, which never sees one " +
                                          "under secure aggregation; use mode client (the runners clip and noise before masking)");
        if (maxUpdateNorm is null && differentialPrivacy is null)
            throw new TaskConfigException($"{field} needs a bound on each update to size its fixed-point ring: set config.max_update_norm " +
                                          "(the runners clip their updates to it before masking) or differential privacy's l2_norm_clip");
        return true;
    }

    /// <returns>The differential privacy asked for; null when none is.</returns>
    public static FlPrivacySpec? Parse(JsonElement config, FederatedModelType modelType, string method, int minParticipants,
        bool hasExternalParticipants)
    {
        if (JsonFields.Field(config, "privacy_config") is not { } privacy) return null;
        if (privacy.ValueKind != JsonValueKind.Object) throw new TaskConfigException("config.privacy_config must be a JSON object");
        var dp = JsonFields.Boolean(privacy, "differential_privacy", Prefix) == true;
        if (!dp)
        {
            foreach (var name in (ReadOnlySpan<string>)["noise_multiplier", "l2_norm_clip"])
                if (JsonFields.Number(privacy, name, Prefix) is { } value && value != 0)
                    throw new TaskConfigException($"{Prefix}{name} is {Format(value)} but differential_privacy is not true: " +
                                                  "nothing would be clipped or noised; set differential_privacy: true");
            foreach (var name in DifferentialPrivacyFields)
                if (JsonFields.Field(privacy, name) is not null)
                    throw new TaskConfigException($"{Prefix}{name} is only read with differential_privacy: true");
            return null;
        }

        if (modelType == FederatedModelType.RandomForest)
            throw new TaskConfigException("config.privacy_config.differential_privacy: random_forest is not covered " +
                                          "(differential privacy clips and noises weight updates; a forest sends trees)");
        if (!MeanMethods.Contains(method))
            throw new TaskConfigException($"config.privacy_config.differential_privacy: {method} does not aggregate a mean of the updates, " +
                                          $"which the noise is calibrated to; use one of {string.Join(", ", MeanMethods)}");
        var noise = JsonFields.Number(privacy, "noise_multiplier", Prefix);
        var clip = JsonFields.Number(privacy, "l2_norm_clip", Prefix);
        if (clip is null)
            throw new TaskConfigException(noise is null ? $"{Prefix}l2_norm_clip is required"
                : $"{Prefix}l2_norm_clip is required: noise_multiplier is relative to the clip, and without clipping one update could be any size");
        if (clip <= 0) throw new TaskConfigException($"{Prefix}l2_norm_clip must be > 0, got {Format(clip.Value)}");
        if (noise is null) throw new TaskConfigException($"{Prefix}noise_multiplier is required");
        if (noise <= 0)
            throw new TaskConfigException($"{Prefix}noise_multiplier must be > 0, got {Format(noise.Value)}: without noise there is no privacy to report");
        var mode = Required(privacy, "mode") switch
        {
            "client" => FlPrivacyMode.Client,
            "server" => FlPrivacyMode.Server,
            var other => throw new TaskConfigException($"{Prefix}mode: unknown mode {JsonFields.Excerpt(other)} (expected client or server)"),
        };
        var clipping = Required(privacy, "clipping") switch
        {
            "fixed" => FlClipping.Fixed,
            "adaptive" => FlClipping.Adaptive,
            var other => throw new TaskConfigException($"{Prefix}clipping: unknown clipping {JsonFields.Excerpt(other)} (expected fixed or adaptive)"),
        };
        var delta = JsonFields.Number(privacy, "target_delta", Prefix) ?? throw new TaskConfigException($"{Prefix}target_delta is required");
        if (!(delta is > 0 and < 1)) throw new TaskConfigException($"{Prefix}target_delta must be in (0, 1), got {Format(delta)}");
        if (delta >= 1.0 / minParticipants)
            throw new TaskConfigException($"{Prefix}target_delta must be below 1/min_participants (1/{minParticipants}), got {Format(delta)}: " +
                                          "a δ that large allows the whole part of one participant to be revealed");
        var maxEpsilon = JsonFields.Number(privacy, "max_epsilon", Prefix);
        if (maxEpsilon is <= 0) throw new TaskConfigException($"{Prefix}max_epsilon must be > 0, got {Format(maxEpsilon.Value)}");
        if (mode == FlPrivacyMode.Client && hasExternalParticipants)
            throw new TaskConfigException("config.privacy_config.mode: client mode cannot take external_participants: they get no round task " +
                                          "carrying the round's clip and noise, so nothing makes them add it; use server mode");

        double? quantile = null, rate = null, countStddev = null;
        if (clipping == FlClipping.Adaptive)
        {
            quantile = JsonFields.Number(privacy, "target_quantile", Prefix) ?? throw new TaskConfigException($"{Prefix}target_quantile is required with adaptive clipping");
            if (!(quantile is > 0 and < 1)) throw new TaskConfigException($"{Prefix}target_quantile must be in (0, 1), got {Format(quantile.Value)}");
            rate = JsonFields.Number(privacy, "clip_learning_rate", Prefix) ?? throw new TaskConfigException($"{Prefix}clip_learning_rate is required with adaptive clipping");
            if (rate <= 0) throw new TaskConfigException($"{Prefix}clip_learning_rate must be > 0, got {Format(rate.Value)}");
            countStddev = JsonFields.Number(privacy, "clip_count_stddev", Prefix) ?? throw new TaskConfigException($"{Prefix}clip_count_stddev is required with adaptive clipping");
            if (!(countStddev > noise / 2))
                throw new TaskConfigException($"{Prefix}clip_count_stddev must be above noise_multiplier/2 ({Format(noise.Value / 2)}), got {Format(countStddev.Value)}: " +
                                              "the noisy count of unclipped updates takes a share of the privacy, and at or below that it would take all of it");
        }
        else
        {
            foreach (var name in AdaptiveFields)
                if (JsonFields.Field(privacy, name) is not null)
                    throw new TaskConfigException($"{Prefix}{name} is only read with clipping: adaptive");
        }
        return new FlPrivacySpec
        {
            NoiseMultiplier = noise.Value,
            L2NormClip = clip.Value,
            Mode = mode,
            Clipping = clipping,
            TargetDelta = delta,
            MaxEpsilon = maxEpsilon,
            TargetQuantile = quantile,
            ClipLearningRate = rate,
            ClipCountStddev = countStddev,
        };
    }

    private static string Required(JsonElement privacy, string name) =>
        JsonFields.String(privacy, name, Prefix)?.Trim().ToLowerInvariant() is { Length: > 0 } value
            ? value : throw new TaskConfigException($"{Prefix}{name} is required");

    private static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
