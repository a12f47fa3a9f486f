using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Parity.Configuration;

/// <summary>A configuration value is invalid. The message names the key, the value and what was expected.</summary>
public sealed class ConfigurationException(string message) : Exception(message);

/// <summary>
/// Reads flat UPPER_SNAKE keys (environment variables and the .env file) into typed values. Every failure names the
/// key, so start-up stops with a message like "RUNNER_MAX_CONCURRENT_TASKS must be an integer from 1 to 1024, got 'x'".
/// </summary>
public sealed partial class SettingsReader(IConfiguration configuration)
{
    public string? Raw(string key)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string String(string key, string fallback) => Raw(key) ?? fallback;

    public int Int(string key, int fallback, int min, int max)
    {
        var raw = Raw(key);
        if (raw is null) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new ConfigurationException($"{key} must be an integer from {min} to {max}, got '{raw}'");
        return value;
    }

    public double Double(string key, double fallback, double min, double max)
    {
        var raw = Raw(key);
        if (raw is null) return fallback;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= min && value <= max))
            throw new ConfigurationException(
                string.Create(CultureInfo.InvariantCulture, $"{key} must be a number from {min} to {max}, got '{raw}'"));
        return value;
    }

    public bool? OptionalBool(string key)
    {
        var raw = Raw(key);
        return raw?.ToLowerInvariant() switch
        {
            null => null,
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new ConfigurationException($"{key} must be true or false, got '{raw}'"),
        };
    }

    public bool Bool(string key, bool fallback) => OptionalBool(key) ?? fallback;

    /// <summary>Go-style durations ("30s", "5m", "1h30m", "250ms") or plain seconds ("90").</summary>
    public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var raw = Raw(key);
        if (raw is null) return fallback;
        var value = ParseDuration(raw);
        if (value is null || value < min || value > max)
            throw new ConfigurationException(
                $"{key} must be a duration from {Describe(min)} to {Describe(max)} (like 30s, 5m, 1h), got '{raw}'");
        return value.Value;
    }

    /// <summary>Byte sizes: plain bytes or with a k/m/g suffix (binary multiples), e.g. "512m".</summary>
    public long Size(string key, long fallback, long min, long max)
    {
        var raw = Raw(key);
        if (raw is null) return fallback;
        var value = ParseSize(raw);
        if (value is null || value < min || value > max)
            throw new ConfigurationException($"{key} must be a size from {min} to {max} bytes (like 512k, 64m, 2g), got '{raw}'");
        return value.Value;
    }

    public static TimeSpan? ParseDuration(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return seconds <= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
        var matches = DurationPart().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text) return null;
        var total = TimeSpan.Zero;
        foreach (Match match in matches)
        {
            var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            total += match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromHours(amount),
            };
        }
        return total;
    }

    public static long? ParseSize(string text) => ByteSizeText.Parse(text);

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0}h"
        : span.TotalMinutes >= 1 && span.TotalMinutes % 1 == 0 ? $"{span.TotalMinutes:0}m"
        : span.TotalSeconds >= 1 ? $"{span.TotalSeconds:0.#}s"
        : $"{span.TotalMilliseconds:0}ms";

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)")]
    private static partial Regex DurationPart();
}
