using System.Globalization;
using System.Text.Json;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// A round task's <c>privacy</c> (Parity's addition, client-mode differential privacy): the runner clips its update
/// (local − global) to <see cref="L2NormClip"/> and adds N(0, <see cref="NoiseStddev"/>²) to each weight before the
/// update leaves it; with <see cref="CountNoiseStddev"/> (adaptive clipping) it also reports whether its norm was
/// within the clip, as ±½ plus N(0, CountNoiseStddev²), in <c>below_clip</c>. The session computes these figures.
/// </summary>
public sealed record FederatedPrivacy
{
    public required double L2NormClip { get; init; }
    public required double NoiseStddev { get; init; }
    public double? CountNoiseStddev { get; init; }

    public static IReadOnlyList<string> Fields { get; } = ["l2_norm_clip", "noise_stddev", "count_noise_stddev"];

    /// <exception cref="TaskConfigException">A field missing, unknown or out of range, named.</exception>
    public static FederatedPrivacy Parse(JsonElement privacy)
    {
        const string prefix = "config.privacy.";
        if (privacy.ValueKind != JsonValueKind.Object) throw new TaskConfigException("config.privacy must be a JSON object");
        KnownFields.Check(privacy, prefix, Fields);
        var clip = JsonFields.Number(privacy, "l2_norm_clip", prefix) ?? throw new TaskConfigException($"{prefix}l2_norm_clip is required");
        if (!(clip > 0)) throw new TaskConfigException($"{prefix}l2_norm_clip must be > 0, got {Format(clip)}");
        var noise = JsonFields.Number(privacy, "noise_stddev", prefix) ?? throw new TaskConfigException($"{prefix}noise_stddev is required");
        if (!(noise > 0)) throw new TaskConfigException($"{prefix}noise_stddev must be > 0, got {Format(noise)}");
        var count = JsonFields.Number(privacy, "count_noise_stddev", prefix);
        if (count is <= 0) throw new TaskConfigException($"{prefix}count_noise_stddev must be > 0, got {Format(count.Value)}");
        return new FederatedPrivacy { L2NormClip = clip, NoiseStddev = noise, CountNoiseStddev = count };
    }

    private static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
