using System.Security.Cryptography;

namespace Parity.Federation;

/// <summary>
/// The SHA-256 that identifies a global model by its bytes, whatever its JSON looks like: over
/// <see cref="WeightsCodec"/>'s encoding of the weights, or over a forest's serialized bytes. Two runs that produce the
/// same model produce the same digest.
/// </summary>
public static class ModelDigest
{
    public static string Of(IReadOnlyDictionary<string, float[]> weights) => Of(WeightsCodec.Encode(weights));

    public static string Of(byte[] model) => Convert.ToHexStringLower(SHA256.HashData(model));
}
