using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parity.Json;

/// <summary>
/// The one serializer configuration for the wire: snake_case names and enum values, as the upstream protocol spells them.
/// </summary>
public static class ParityJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>An enum value as the wire spells it ("federated_learning").</summary>
    public static string WireName<T>(T value) where T : struct, Enum => WireNames<T>.Of(value);

    /// <summary>Each enum's wire names, worked out once: they are asked for on every task (logs, metrics, summaries).</summary>
    private static class WireNames<T> where T : struct, Enum
    {
        private static readonly Dictionary<T, string> Names =
            Enum.GetValues<T>().Distinct().ToDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

        // A value the enum does not name (a cast number, a combination of flags) is converted as it comes.
        public static string Of(T value) =>
            Names.TryGetValue(value, out var name) ? name : JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
    }

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.Strict,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// Keeps a free-form JSON value (a task's <c>config</c>) as its raw text, so it travels through grains and storage
/// unchanged and is written back to the wire as JSON, not as an escaped string.
/// </summary>
public sealed class RawJsonConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteRawValue(value, skipInputValidation: false);
    }
}
