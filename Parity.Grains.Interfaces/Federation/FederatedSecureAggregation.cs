using System.Globalization;
using System.Text.Json;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// A round task's <c>secure_aggregation</c> (Parity's addition): the runner masks its update before it leaves, with the
/// keys its part grain agreed with the other participants for this round (<see cref="SecAggSetup"/>). It sends the
/// vector [w·(local − global) flattened in ordinal key order, w], each coordinate clamped to ±<see cref="SecAggSetup.ClipRange"/>,
/// where w = <see cref="Weight"/>; the session learns only the sum over the round's survivors.
/// </summary>
public sealed record FederatedSecureAggregation
{
    public required SecAggSetup Setup { get; init; }
    /// <summary>The participant's FedAvg weight, its rows over the largest part's (1 for everyone under differential privacy).</summary>
    public required double Weight { get; init; }
    /// <summary>The update's L2 bound: the runner clips local − global to it before weighting (0: already clipped by privacy).</summary>
    public required double UpdateClip { get; init; }

    public static IReadOnlyList<string> Fields { get; } =
        ["round", "attempt", "participant", "participants", "threshold", "vector_length", "clip_range", "fractional_bits", "weight", "update_clip"];

    public static FederatedSecureAggregation Parse(JsonElement element)
    {
        const string prefix = "config.secure_aggregation.";
        if (element.ValueKind != JsonValueKind.Object) throw new TaskConfigException("config.secure_aggregation must be a JSON object");
        KnownFields.Check(element, prefix, Fields);
        int Int(string name, int min) => JsonFields.Number(element, name, prefix) is { } value && value == Math.Floor(value) && value >= min && value <= int.MaxValue
            ? (int)value : throw new TaskConfigException($"{prefix}{name} is required, an integer ≥ {min}");
        double Positive(string name, bool zero = false) => JsonFields.Number(element, name, prefix) is { } value && (value > 0 || zero && value == 0) && double.IsFinite(value)
            ? value : throw new TaskConfigException($"{prefix}{name} is required, a number {(zero ? "≥" : ">")} 0");
        var setup = new SecAggSetup
        {
            Round = Int("round", 1), Attempt = Int("attempt", 0), Participant = Int("participant", 1), Participants = Int("participants", 2),
            Threshold = Int("threshold", 2), VectorLength = Int("vector_length", 2), ClipRange = Positive("clip_range"),
            FractionalBits = Int("fractional_bits", 0),
        };
        var weight = Positive("weight");
        if (weight > 1) throw new TaskConfigException($"{prefix}weight must be in (0, 1], got {weight.ToString(CultureInfo.InvariantCulture)}");
        return new FederatedSecureAggregation { Setup = setup, Weight = weight, UpdateClip = Positive("update_clip", zero: true) };
    }
}
