using System.Globalization;

namespace Parity.Learning.Data;

/// <summary>Parses one float32 value with the invariant culture and words the reason when it is not usable.</summary>
internal static class NumberText
{
    private const NumberStyles Style = NumberStyles.Float;

    public static bool TryParse(ReadOnlySpan<char> text, out float value) =>
        float.TryParse(text, Style, CultureInfo.InvariantCulture, out value);

    public static bool TryParse(ReadOnlySpan<byte> utf8, out float value) =>
        float.TryParse(utf8, Style, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// Null when <paramref name="text"/> is a finite float32; otherwise why not, e.g. <c>'abc' is not a number</c>.
    /// </summary>
    public static string? Problem(ReadOnlySpan<char> text, out float value)
    {
        if (text.IsWhiteSpace())
        {
            value = 0;
            return "empty value";
        }
        if (!TryParse(text, out value))
            return $"{Quote(text)} is not a number";
        return NonFinite(text, value);
    }

    public static string? Problem(ReadOnlySpan<byte> utf8, out float value)
    {
        if (TryParse(utf8, out value) && float.IsFinite(value)) return null;
        return Problem(System.Text.Encoding.UTF8.GetString(utf8), out value);
    }

    private static string? NonFinite(ReadOnlySpan<char> text, float value)
    {
        if (float.IsFinite(value)) return null;
        // float.Parse turns a value beyond the float32 range into infinity; say so rather than "not finite".
        if (double.TryParse(text, Style, CultureInfo.InvariantCulture, out var wide) && double.IsFinite(wide))
            return $"{Quote(text)} is outside the float32 range";
        return $"{Quote(text)} is not a finite number";
    }

    /// <summary>The text in single quotes, cut short when long so that a message stays readable.</summary>
    public static string Quote(ReadOnlySpan<char> text)
    {
        const int MaxLength = 40;
        return text.Length <= MaxLength ? $"'{text}'" : $"'{text[..MaxLength]}…'";
    }
}
