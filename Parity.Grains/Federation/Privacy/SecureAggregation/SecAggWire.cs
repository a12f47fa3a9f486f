using System.Text.Json;

namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// The protocol's records as bytes between the session and the parts (System.Text.Json; byte arrays as base64). What
/// arrives is checked by the engine itself (lengths, participant numbers, authentication); here only that it parses.
/// </summary>
public static class SecAggWire
{
    public static byte[] Encode<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message);

    /// <exception cref="SecureAggregationException">The bytes are not a <typeparamref name="T"/>.</exception>
    public static T Decode<T>(byte[] bytes, string what) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes) ?? throw new SecureAggregationException($"the {what} is empty");
        }
        catch (JsonException e)
        {
            throw new SecureAggregationException($"the {what} does not parse: {e.Message}");
        }
    }

    /// <summary>The engine's parameters for a round, from what the session sends each part.</summary>
    public static SecAggParameters Parameters(string sessionId, SecAggSetup setup) => new(
        sessionId, (long)setup.Round * 1_000 + setup.Attempt, setup.Participants, setup.Threshold, setup.VectorLength,
        new FixedPoint(setup.ClipRange, setup.FractionalBits, setup.Participants));
}
