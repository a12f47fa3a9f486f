using System.Globalization;
using System.Text.RegularExpressions;

namespace Parity.Configuration;

/// <summary>Byte sizes as people write them in settings and task configs: plain bytes or with a k/m/g suffix (binary).</summary>
public static partial class ByteSizeText
{
    /// <summary>"512m" → 536870912; null when the text is not a size or overflows.</summary>
    public static long? Parse(string text)
    {
        var match = SizePattern().Match(text.ToLowerInvariant());
        if (!match.Success) return null;
        var multiplier = match.Groups[2].Value switch
        {
            "" or "b" => 1L,
            "k" or "kb" or "kib" => 1L << 10,
            "m" or "mb" or "mib" => 1L << 20,
            _ => 1L << 30,
        };
        var number = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return number > long.MaxValue / multiplier ? null : number * multiplier;
    }

    [GeneratedRegex(@"^(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$")]
    private static partial Regex SizePattern();
}
