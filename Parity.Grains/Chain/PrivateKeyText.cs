using System.Globalization;

namespace Parity.Chain;

/// <summary>Parses an Ethereum private key as users give it: 64 hex digits, optionally prefixed by <c>0x</c>.</summary>
public static class PrivateKeyText
{
    /// <summary>The key's 32 bytes. A malformed key fails with a message that says what is wrong with it but never
    /// repeats any of it (a key pasted into the wrong place must not end up in a terminal log).</summary>
    public static byte[] Parse(string? text, string source)
    {
        var hex = (text ?? "").Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
        if (hex.Length == 0) throw new IdentityException($"{source} is empty: a private key is 64 hex digits, optionally prefixed by 0x");
        if (hex.Length != 64)
            throw new IdentityException($"{source} is not a private key: expected 64 hex digits (optionally prefixed by 0x), got {hex.Length} characters");
        if (!hex.All(char.IsAsciiHexDigit)) throw new IdentityException($"{source} is not a private key: it has characters that are not hex digits");
        var key = Convert.FromHexString(hex);
        // Zero is no key at all, and a value at or above the curve order has no public key on secp256k1.
        if (new System.Numerics.BigInteger(key, isUnsigned: true, isBigEndian: true) is var value && (value.IsZero || value >= CurveOrder))
            throw new IdentityException($"{source} is not a valid secp256k1 private key (zero or not below the curve order)");
        return key;
    }

    /// <summary>Whether <paramref name="text"/> has the form of a key (64 hex digits, optionally 0x): a key where a file path belongs.</summary>
    public static bool LooksLikeKey(string text)
    {
        var hex = text.Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit);
    }

    private static readonly System.Numerics.BigInteger CurveOrder = System.Numerics.BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
