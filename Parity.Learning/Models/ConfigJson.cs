using System.Text.Json;

namespace Parity.Learning.Models;

/// <summary>Typed reads of <c>train_config</c> / <c>model_config</c> fields, with errors that name the field.</summary>
internal static class ConfigJson
{
    public static JsonElement? Field(JsonElement? root, string name) =>
        root is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(name, out var value) &&
        value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static int? Int32(JsonElement? root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var value) => value,
        // Whole numbers written as 32.0, as some JSON writers do.
        { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue
            => (int)d,
        _ => throw Invalid(name, $"{name} must be an integer"),
    };

    public static long? Int64(JsonElement? root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var value) => value,
        _ => throw Invalid(name, $"{name} must be a 64-bit integer"),
    };

    public static float? Number(JsonElement? root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var value) && double.IsFinite(value) => (float)value,
        _ => throw Invalid(name, $"{name} must be a number"),
    };

    public static bool? Boolean(JsonElement? root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw Invalid(name, $"{name} must be true or false"),
    };

    public static string? String(JsonElement? root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } e => e.GetString()!.Trim().ToLowerInvariant(),
        _ => throw Invalid(name, $"{name} must be a string"),
    };

    public static int[]? Int32Array(JsonElement? root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } e => e.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var value)
                ? value
                : throw Invalid(name, $"{name} must be an array of integers"))
            .ToArray(),
        _ => throw Invalid(name, $"{name} must be an array of integers"),
    };

    public static ModelConfigException Missing(string name) =>
        new($"training configuration is incomplete: {name} is required", name);

    public static ModelConfigException Invalid(string name, string problem) =>
        new($"invalid training configuration: {problem}", name);
}
