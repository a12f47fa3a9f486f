using System.Globalization;
using System.Text.Json;
using Parity.Tasks;

namespace Parity.Json;

/// <summary>
/// Typed reads of the fields of a JSON object from the wire, for every task config parser. Each failure is a
/// <see cref="TaskConfigException"/> whose message names the field as <c>{prefix}{name}</c> (the caller's prefix is
/// its path with a trailing dot, e.g. <c>config.</c> or <c>environment.config.</c>).
/// </summary>
public static class JsonFields
{
    /// <summary>The field's value, or null when it is absent or JSON null: the wire treats both as "not given".</summary>
    public static JsonElement? Field(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A string field (null when not given); one holding a NUL character is refused as no program can take it.</summary>
    public static string? String(JsonElement obj, string name, string prefix)
    {
        if (Field(obj, name) is not { } element) return null;
        if (element.ValueKind != JsonValueKind.String) throw new TaskConfigException($"{prefix}{name} must be a string");
        var value = element.GetString()!;
        return value.Contains('\0') ? throw new TaskConfigException($"{prefix}{name} must not contain NUL characters") : value;
    }

    public static double? Number(JsonElement obj, string name, string prefix) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var value) && double.IsFinite(value) => value,
        _ => throw new TaskConfigException($"{prefix}{name} must be a number"),
    };

    public static bool? Boolean(JsonElement obj, string name, string prefix) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new TaskConfigException($"{prefix}{name} must be true or false"),
    };

    /// <summary>A positive 32-bit integer (null when not given), e.g. <c>timeout_seconds</c>.</summary>
    public static int? PositiveInt(JsonElement obj, string name, string prefix)
    {
        if (Field(obj, name) is not { } element) return null;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) && value > 0) return value;
        throw new TaskConfigException(string.Create(CultureInfo.InvariantCulture,
            $"{prefix}{name} must be a positive integer, got {element.GetRawText()}"));
    }

    /// <summary>A value as an error message quotes it: at most 40 characters, so a hostile value cannot flood a log.</summary>
    public static string Excerpt(string value) => value.Length <= 40 ? value : value[..40] + "…";

    /// <summary>
    /// Parses a raw JSON text that must hold an object (a task's <c>config</c>). Null when it is empty or JSON null and
    /// not <paramref name="required"/>; otherwise <paramref name="missing"/> names what is expected. The caller disposes it.
    /// </summary>
    public static JsonDocument? ParseObject(string? json, string path, bool required, string missing)
    {
        if (string.IsNullOrWhiteSpace(json)) return required ? throw new TaskConfigException(missing) : null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new TaskConfigException($"{path} must be a JSON object ({e.Message})");
        }
        switch (document.RootElement.ValueKind)
        {
            case JsonValueKind.Object:
                return document;
            case JsonValueKind.Null:
                document.Dispose();
                return required ? throw new TaskConfigException(missing) : null;
            default:
                document.Dispose();
                throw new TaskConfigException($"{path} must be a JSON object");
        }
    }
}
