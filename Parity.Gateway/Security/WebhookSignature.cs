using System.Buffers;
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

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(secret, unixSeconds, body, mac);
        return $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}";
    }

    public static SignatureCheck Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header))
            return SignatureCheck.Fail($"missing {HeaderName} header");

        // Every webhook passes here: the header is walked in place, and the candidates (usually one, two while a
        // secret rotates) are kept as hex until they are compared.
        long? timestamp = null;
        var candidates = new List<Range>(2);
        var text = header.AsSpan();
        foreach (var range in text.Split(','))
        {
            var part = text[range].Trim();
            if (part.IsEmpty) continue;
            var eq = part.IndexOf('=');
            if (eq <= 0) return SignatureCheck.Fail($"malformed {HeaderName} header: '{part}' is not key=value");
            var key = part[..eq];
            var value = part[(eq + 1)..];
            if (key.SequenceEqual("t"))
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
                    return SignatureCheck.Fail($"malformed {HeaderName} header: t must be unix seconds");
                timestamp = t;
            }
            else if (key.SequenceEqual("v1"))
            {
                if (value.Length != 2 * HMACSHA256.HashSizeInBytes || !IsHex(value))
                    return SignatureCheck.Fail($"malformed {HeaderName} header: v1 must be 64 hex characters");
                // Where the value starts in the header: the part's start, past the blanks Trim dropped and the "v1=".
                var start = range.Start.GetOffset(text.Length) + (text[range].Length - text[range].TrimStart().Length) + eq + 1;
                candidates.Add(new Range(start, start + value.Length));
            }
        }
        if (timestamp is null) return SignatureCheck.Fail($"malformed {HeaderName} header: t is missing");
        if (candidates.Count == 0) return SignatureCheck.Fail($"malformed {HeaderName} header: v1 is missing");

        var age = now.ToUnixTimeSeconds() - timestamp.Value;
        if (Math.Abs(age) > Tolerance.TotalSeconds)
            return SignatureCheck.Fail($"signature timestamp is {age} s from now; the limit is ±{Tolerance.TotalSeconds:0} s");

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(secret, timestamp.Value, body, expected);
        Span<byte> candidate = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var range in candidates)
        {
            Convert.FromHexString(text[range], candidate, out _, out _);
            if (CryptographicOperations.FixedTimeEquals(candidate, expected))
                return new SignatureCheck(true, null, $"{timestamp}:{Convert.ToHexStringLower(candidate)}");
        }
        return SignatureCheck.Fail("signature does not match the body");
    }

    /// <summary>HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;") in one call: the message is assembled in a rented buffer.</summary>
    private static void Compute(string secret, long unixSeconds, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        var key = KeyBytes(secret);
        var message = ArrayPool<byte>.Shared.Rent(body.Length + 24);
        try
        {
            unixSeconds.TryFormat(message, out var length, provider: CultureInfo.InvariantCulture);
            message[length++] = (byte)'.';
            body.CopyTo(message.AsSpan(length));
            HMACSHA256.HashData(key, message.AsSpan(0, length + body.Length), mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }

    // A gateway has one secret: its UTF-8 bytes are kept rather than encoded again for every request. One reference,
    // swapped whole, so a reader never pairs one secret with another's bytes.
    private static Tuple<string, byte[]>? _key;

    private static byte[] KeyBytes(string secret)
    {
        if (_key is { } cached && ReferenceEquals(cached.Item1, secret)) return cached.Item2;
        var bytes = Encoding.UTF8.GetBytes(secret);
        _key = Tuple.Create(secret, bytes);
        return bytes;
    }

    private static bool IsHex(ReadOnlySpan<char> value) => !value.ContainsAnyExcept(HexDigits);

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");
}
