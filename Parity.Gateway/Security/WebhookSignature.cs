using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Parity.Gateway.Security;

/// <summary>The outcome of checking a webhook's signature header.</summary>
public readonly record struct SignatureCheck(bool Valid, string? Problem, string? Signature)
{
    public static SignatureCheck Fail(string problem) => new(false, problem, null);
}

/// <summary>
/// <c>X-Parity-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;raw body&gt;")&gt;</c>.
/// Several v1 values may be sent (secret rotation); one match suffices. A timestamp more than
/// <see cref="Tolerance"/> from now is refused, which bounds how long a replay guard must remember signatures.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Parity-Signature";
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body) =>
        $"t={unixSeconds},v1={Convert.ToHexStringLower(Compute(secret, unixSeconds, body))}";

    public static SignatureCheck Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header))
            return SignatureCheck.Fail($"missing {HeaderName} header");

        long? timestamp = null;
        var candidates = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) return SignatureCheck.Fail($"malformed {HeaderName} header: '{part}' is not key=value");
            var (key, value) = (part[..eq], part[(eq + 1)..]);
            switch (key)
            {
                case "t" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t):
                    timestamp = t;
                    break;
                case "t":
                    return SignatureCheck.Fail($"malformed {HeaderName} header: t must be unix seconds");
                case "v1" when value.Length == 64 && IsHex(value):
                    candidates.Add(Convert.FromHexString(value));
                    break;
                case "v1":
                    return SignatureCheck.Fail($"malformed {HeaderName} header: v1 must be 64 hex characters");
            }
        }
        if (timestamp is null) return SignatureCheck.Fail($"malformed {HeaderName} header: t is missing");
        if (candidates.Count == 0) return SignatureCheck.Fail($"malformed {HeaderName} header: v1 is missing");

        var age = now.ToUnixTimeSeconds() - timestamp.Value;
        if (Math.Abs(age) > Tolerance.TotalSeconds)
            return SignatureCheck.Fail($"signature timestamp is {age} s from now; the limit is ±{Tolerance.TotalSeconds:0} s");

        var expected = Compute(secret, timestamp.Value, body);
        foreach (var candidate in candidates)
            if (CryptographicOperations.FixedTimeEquals(candidate, expected))
                return new SignatureCheck(true, null, $"{timestamp}:{Convert.ToHexStringLower(candidate)}");
        return SignatureCheck.Fail("signature does not match the body");
    }

    private static byte[] Compute(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "."));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    private static bool IsHex(string value) => value.All(Uri.IsHexDigit);
}
