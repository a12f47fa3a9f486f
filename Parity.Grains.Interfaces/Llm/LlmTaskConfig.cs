using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Llm;

/// <summary>
/// The <c>config</c> of an <c>llm</c> task: upstream's <c>{"model", "prompt"}</c>, or <c>messages</c> instead of the
/// prompt, with optional <c>max_tokens</c>, <c>temperature</c>, <c>seed</c> and <c>stop</c>.
/// </summary>
public static class LlmTaskConfig
{
    public const int MaxPromptLength = 1 << 20;
    public const int MaxModelNameLength = 256;
    public const int MaxStops = 16;
    /// <summary>The widest max_tokens the wire format takes; each runner caps it lower (<see cref="LlmLimits"/>).</summary>
    public const int MaxTokensField = 1 << 20;

    /// <summary>The fields of a prompt besides its model's (<c>model</c> in a task's config, <c>model_name</c> on the prompt route).</summary>
    public static IReadOnlyList<string> PromptFields { get; } = ["prompt", "messages", "max_tokens", "temperature", "seed", "stop"];
    public static IReadOnlyList<string> MessageFields { get; } = ["role", "content"];

    /// <summary>
    /// Refuses a field this format does not take, naming it: at the top (<paramref name="extra"/>: the route's own
    /// fields besides the prompt's) and in each of <c>messages</c>. For Parity's API; upstream pushes are tolerated.
    /// </summary>
    public static void RefuseUnknownFields(JsonElement root, string prefix, string modelField, IReadOnlyCollection<string>? extra = null,
        IReadOnlyDictionary<string, string>? serverOwned = null)
    {
        KnownFields.Check(root, prefix, [modelField, .. PromptFields, .. extra ?? []], serverOwned);
        KnownFields.CheckEach(root, "messages", prefix, MessageFields);
    }

    /// <summary>Refuses an unknown field of a task's <c>config</c> (see <see cref="RefuseUnknownFields(JsonElement, string, string, IReadOnlyCollection{string}?, IReadOnlyDictionary{string, string}?)"/>).</summary>
    public static void RefuseUnknownFields(ParityTask task)
    {
        using var document = JsonFields.ParseObject(task.Config, "config", required: false, "");
        if (document is not null) RefuseUnknownFields(document.RootElement, "config.", "model");
    }

    /// <summary>The requested model, or null when the config has none (the task then fails validation).</summary>
    public static string? ModelOf(ParityTask task)
    {
        try
        {
            using var config = JsonDocument.Parse(task.Config ?? "null");
            return config.RootElement.ValueKind == JsonValueKind.Object && config.RootElement.TryGetProperty("model", out var model)
                   && model.ValueKind == JsonValueKind.String ? model.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Parses and validates; every failure is a <see cref="TaskConfigException"/> naming the field.</summary>
    public static LlmRequest Parse(ParityTask task)
    {
        using var document = JsonFields.ParseObject(task.Config, "config", required: true,
            "config is required for llm tasks: {\"model\": \"...\", \"prompt\": \"...\"}")!;
        return Parse(document.RootElement, "config.", "model");
    }

    /// <summary>
    /// Parses a prompt from a JSON object whose fields are named <paramref name="prefix"/> + field in messages (a task's
    /// <c>config.</c>, or nothing for the body of <c>POST /api/v1/llm/prompts</c>, which names the model <c>model_name</c>).
    /// </summary>
    public static LlmRequest Parse(JsonElement root, string prefix, string modelField)
    {
        var model = JsonFields.String(root, modelField, prefix) is { Length: > 0 } name ? name.Trim()
            : throw new TaskConfigException($"{prefix}{modelField} is required");
        if (model.Length > MaxModelNameLength || model.Any(char.IsControl))
            throw new TaskConfigException($"{prefix}{modelField} must be at most {MaxModelNameLength} printable characters");
        var prompt = JsonFields.String(root, "prompt", prefix);
        var messages = Messages(root, prefix);
        if (prompt is null && messages is null) throw new TaskConfigException($"{prefix}prompt (or {prefix}messages) is required");
        if (prompt is not null && messages is not null) throw new TaskConfigException($"{prefix}prompt and {prefix}messages exclude each other: give one");
        if (prompt?.Length > MaxPromptLength) throw new TaskConfigException($"{prefix}prompt exceeds {MaxPromptLength} characters");
        if (messages?.Sum(m => m.Content.Length) > MaxPromptLength)
            throw new TaskConfigException($"{prefix}messages exceed {MaxPromptLength} characters in all");

        return new LlmRequest
        {
            Model = model,
            Prompt = prompt,
            Messages = messages,
            MaxTokens = JsonFields.Number(root, "max_tokens", prefix) is { } max
                ? max is >= 1 and <= MaxTokensField && max == Math.Floor(max) ? (int)max
                    : throw new TaskConfigException($"{prefix}max_tokens must be an integer from 1 to {MaxTokensField}, got {max}")
                : null,
            Temperature = JsonFields.Number(root, "temperature", prefix) is { } t
                ? t is >= 0 and <= 10 ? (float)t : throw new TaskConfigException($"{prefix}temperature must be from 0 to 10, got {t}")
                : null,
            Seed = JsonFields.Number(root, "seed", prefix) is { } seed
                ? seed == Math.Floor(seed) && Math.Abs(seed) < 1L << 53 ? (long)seed
                    : throw new TaskConfigException($"{prefix}seed must be an integer, got {seed}")
                : null,
            Stop = Stops(root, prefix),
        };
    }

    /// <summary>The task <c>config</c> that carries <paramref name="request"/> (the inverse of <see cref="Parse(ParityTask)"/>).</summary>
    public static string ToConfig(LlmRequest request)
    {
        var config = new JsonObject { ["model"] = request.Model };
        if (request.Prompt is not null) config["prompt"] = request.Prompt;
        if (request.Messages is not null)
            config["messages"] = new JsonArray(request.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
        if (request.MaxTokens is { } max) config["max_tokens"] = max;
        if (request.Temperature is { } temperature) config["temperature"] = temperature;
        if (request.Seed is { } seed) config["seed"] = seed;
        if (request.Stop.Count > 0) config["stop"] = new JsonArray(request.Stop.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
        return config.ToJsonString();
    }

    private static List<LlmMessage>? Messages(JsonElement root, string prefix)
    {
        if (JsonFields.Field(root, "messages") is not { } element) return null;
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
            throw new TaskConfigException($"{prefix}messages must be a non-empty array of {{\"role\", \"content\"}}");
        var messages = new List<LlmMessage>();
        foreach (var item in element.EnumerateArray())
        {
            var path = $"{prefix}messages[{messages.Count}]";
            if (item.ValueKind != JsonValueKind.Object) throw new TaskConfigException($"{path} must be an object");
            var role = item.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : null;
            if (role is not ("system" or "user" or "assistant"))
                throw new TaskConfigException($"{path}.role must be system, user or assistant");
            if (!item.TryGetProperty("content", out var c) || c.ValueKind != JsonValueKind.String)
                throw new TaskConfigException($"{path}.content must be a string");
            messages.Add(new LlmMessage(role, c.GetString()!));
        }
        return messages;
    }

    private static List<string> Stops(JsonElement root, string prefix)
    {
        if (JsonFields.Field(root, "stop") is not { } element) return [];
        if (element.ValueKind == JsonValueKind.String) return [element.GetString()!];
        if (element.ValueKind != JsonValueKind.Array) throw new TaskConfigException($"{prefix}stop must be a string or an array of strings");
        var stops = element.EnumerateArray().Select(s => s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } text
            ? text : throw new TaskConfigException($"{prefix}stop must hold non-empty strings")).ToList();
        return stops.Count <= MaxStops ? stops : throw new TaskConfigException($"{prefix}stop takes at most {MaxStops} strings, got {stops.Count}");
    }
}
