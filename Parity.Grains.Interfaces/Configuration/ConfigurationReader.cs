using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Parity.Configuration;

/// <summary>
/// Reads flat UPPER_SNAKE keys (environment variables and the .env file) into typed values for the options readers.
/// An unset or blank key keeps the value the options class starts with, so each default is written once, on its
/// property. Every failure names the key, e.g. "RUNNER_MAX_CONCURRENT_TASKS must be an integer from 1 to 1024, got 'x'".
/// </summary>
/// <remarks>
/// Why not <c>ConfigurationBinder</c> with <c>[ConfigurationKeyName]</c>: its converters read neither Go-style durations
/// ("1h30m") nor k/m/g sizes nor yes/on booleans, it treats a blank <c>KEY=</c> (as .env.sample writes unset keys) as a
/// value, and its failure says "Failed to convert" without the accepted range. The messages are part of the interface
/// (README, operators' scripts), so one small typed reader per options class reads through this instead.
/// </remarks>
public sealed partial class ConfigurationReader(IConfiguration configuration)
{
    public string? Raw(string key)
    {
        var value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string String(string key, string fallback) => Raw(key) ?? fallback;

    /// <summary>A string that must match <paramref name="pattern"/>; <paramref name="expected"/> completes "KEY must be …".</summary>
    public string String(string key, string fallback, Regex pattern, string expected)
    {
        var raw = Raw(key);
        if (raw is null) return fallback;
        return pattern.IsMatch(raw) ? raw : throw new ConfigurationException($"{key} must be {expected}, got '{raw}'");
    }

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

    public IPAddress IpAddress(string key, IPAddress fallback)
    {
        var raw = Raw(key);
        if (raw is null) return fallback;
        return IPAddress.TryParse(raw, out var address)
            ? address
            : throw new ConfigurationException($"{key} must be an IP address, got '{raw}'");
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
