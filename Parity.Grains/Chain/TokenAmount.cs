using System.Globalization;
using System.Numerics;

namespace Parity.Chain;

/// <summary>
/// Token amounts as people write them ("10.5") and as contracts count them (integer units, 10.5 × 10^decimals), both
/// ways exactly: the text is split at the point and read digit by digit into a <see cref="BigInteger"/>, never through
/// a float or a decimal, so no amount is ever rounded (the upstream multiplied a float64 by 1e18; UPSTREAM.md §11).
/// </summary>
public static class TokenAmount
{
    /// <summary>The largest amount an ERC-20 can hold: 2^256 − 1 units.</summary>
    public static readonly BigInteger MaxUnits = BigInteger.Pow(2, 256) - 1;

    /// <summary>An ERC-20's <c>decimals()</c> is a uint8.</summary>
    public const int MaxDecimals = 255;

    // 2^256 − 1 has 78 digits: longer text is refused before any arithmetic, however long it is.
    private const int MaxDigits = 78;

    /// <summary>
    /// <paramref name="text"/> (plain decimal digits with an optional fractional part: <c>10</c>, <c>10.5</c>, <c>0.000001</c>)
    /// as units of a token with <paramref name="decimals"/> decimals. Fractional digits beyond the token's are accepted
    /// only when they are zeros (<c>1.50</c> for a 1-decimal token is exactly 1.5); anything else that cannot be paid
    /// exactly, and zero, negative, exponent or otherwise malformed text, fails naming <paramref name="field"/>.
    /// </summary>
    public static BigInteger Parse(string? text, int decimals, string field)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(decimals, MaxDecimals);
        var (trimmed, whole, fraction) = Split(text, field);
        var significant = fraction.TrimEnd('0');
        if (significant.Length > decimals)
            throw new TokenAmountException(decimals == 0
                ? $"{field}: the token has 0 decimals, so an amount is a whole number, got '{Shown(trimmed)}'"
                : $"{field}: at most {decimals} decimal places (the token has {decimals} decimals), got '{Shown(trimmed)}'");
        var digits = (whole + significant.PadRight(decimals, '0')).TrimStart('0');
        if (digits.Length > MaxDigits) throw TooLarge(field, decimals);
        var units = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return units <= MaxUnits ? units : throw TooLarge(field, decimals);
    }

    /// <summary>
    /// The checks of <see cref="Parse"/> that do not depend on the token (the form of the text, and more than zero), so a
    /// command refuses a malformed amount before it asks for a passphrase or talks to a chain.
    /// </summary>
    public static void CheckForm(string? text, string field) => Split(text, field);

    private static (string Trimmed, string Whole, string Fraction) Split(string? text, string field)
    {
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0) throw new TokenAmountException($"{field} is empty: give an amount of tokens like 10.5");
        if (trimmed[0] == '-') throw new TokenAmountException($"{field} must be more than 0, got '{Shown(trimmed)}'");
        if (trimmed.Any(c => c is 'e' or 'E') && trimmed.Any(char.IsAsciiDigit) && trimmed.All(c => char.IsAsciiDigit(c) || c is 'e' or 'E' or '.' or '+' or '-'))
            throw new TokenAmountException($"{field}: exponent forms like 1e18 are not accepted; write the amount out in digits, like 10.5 (got '{Shown(trimmed)}')");
        var point = trimmed.IndexOf('.');
        var whole = point < 0 ? trimmed : trimmed[..point];
        var fraction = point < 0 ? "" : trimmed[(point + 1)..];
        if (whole.Length == 0 || (point >= 0 && fraction.Length == 0) || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit))
            throw new TokenAmountException($"{field} must be an amount of tokens in plain digits like 10 or 10.5, got '{Shown(trimmed)}'");
        if (whole.All(c => c == '0') && fraction.All(c => c == '0'))
            throw new TokenAmountException($"{field} must be more than 0, got '{Shown(trimmed)}'");
        return (trimmed, whole, fraction);
    }

    /// <summary>
    /// <paramref name="units"/> of a token with <paramref name="decimals"/> decimals as exact decimal text: no trailing
    /// fractional zeros, no point for a whole amount, no grouping (<c>1234.5</c>, <c>0.000001</c>, <c>0</c>).
    /// </summary>
    public static string Format(BigInteger units, int decimals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        if (units.Sign < 0) return "-" + Format(-units, decimals);
        var digits = units.ToString(CultureInfo.InvariantCulture);
        if (decimals == 0) return digits;
        digits = digits.PadLeft(decimals + 1, '0');
        var whole = digits[..^decimals];
        var fraction = digits[^decimals..].TrimEnd('0');
        return fraction.Length == 0 ? whole : $"{whole}.{fraction}";
    }

    private static TokenAmountException TooLarge(string field, int decimals) =>
        new($"{field} is more than any token amount can be (2^256 - 1 units, {Format(MaxUnits, decimals)} tokens at {decimals} decimals)");

    // What was given, cut short: an amount pasted by mistake may be very long.
    private static string Shown(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
