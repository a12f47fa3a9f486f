using System.Text.Json;
using Parity.Execution;
using Parity.Tasks;

namespace Parity.Llm;

/// <summary>
/// The <c>config</c> of an <c>llm</c> task: upstream's <c>{"model", "prompt"}</c>, or <c>messages</c> instead of the
/// prompt, with optional <c>max_tokens</c>, <c>temperature</c>, <c>seed</c> and <c>stop</c>.
/// </summary>
public static class LlmTaskConfig
{
    public const int MaxPromptLength = 1 << 20;

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

    /// <summary>Parses and validates; every failure is a <see cref="TaskValidationException"/> naming the field.</summary>
    public static LlmRequest Parse(ParityTask task)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(string.IsNullOrWhiteSpace(task.Config) ? "null" : task.Config);
        }
        catch (JsonException e)
        {
            throw new TaskValidationException($"config must be a JSON object ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new TaskValidationException("config is required for llm tasks: {\"model\": \"...\", \"prompt\": \"...\"}");

            var model = String(root, "model") is { Length: > 0 } name ? name : throw new TaskValidationException("config.model is required");
            var prompt = String(root, "prompt");
            var messages = Messages(root);
            if (prompt is null && messages is null) throw new TaskValidationException("config.prompt (or config.messages) is required");
            if (prompt is not null && messages is not null) throw new TaskValidationException("config takes prompt or messages, not both");
            if (prompt?.Length > MaxPromptLength) throw new TaskValidationException($"config.prompt exceeds {MaxPromptLength} characters");

            return new LlmRequest
            {
                Model = model,
                Prompt = prompt,
                Messages = messages,
                MaxTokens = Number(root, "max_tokens") is { } max
                    ? max is >= 1 and <= 1 << 20 && max == Math.Floor(max) ? (int)max
                        : throw new TaskValidationException($"config.max_tokens must be an integer from 1 to {1 << 20}, got {max}")
                    : null,
                Temperature = Number(root, "temperature") is { } t
                    ? t is >= 0 and <= 10 ? (float)t : throw new TaskValidationException($"config.temperature must be from 0 to 10, got {t}")
                    : null,
                Seed = Number(root, "seed") is { } seed ? (long)seed : null,
                Stop = Stops(root),
            };
        }
    }

    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? String(JsonElement root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } e => e.GetString(),
        _ => throw new TaskValidationException($"config.{name} must be a string"),
    };

    private static double? Number(JsonElement root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        _ => throw new TaskValidationException($"config.{name} must be a number"),
    };

    private static List<LlmMessage>? Messages(JsonElement root)
    {
        if (Field(root, "messages") is not { } element) return null;
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
            throw new TaskValidationException("config.messages must be a non-empty array of {\"role\", \"content\"}");
        var messages = new List<LlmMessage>();
        foreach (var item in element.EnumerateArray())
        {
            var path = $"config.messages[{messages.Count}]";
            if (item.ValueKind != JsonValueKind.Object) throw new TaskValidationException($"{path} must be an object");
            var role = item.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : null;
            if (role is not ("system" or "user" or "assistant"))
                throw new TaskValidationException($"{path}.role must be system, user or assistant");
            if (!item.TryGetProperty("content", out var c) || c.ValueKind != JsonValueKind.String)
                throw new TaskValidationException($"{path}.content must be a string");
            messages.Add(new LlmMessage(role, c.GetString()!));
        }
        return messages;
    }

    private static List<string> Stops(JsonElement root)
    {
        if (Field(root, "stop") is not { } element) return [];
        if (element.ValueKind == JsonValueKind.String) return [element.GetString()!];
        if (element.ValueKind != JsonValueKind.Array) throw new TaskValidationException("config.stop must be a string or an array of strings");
        return element.EnumerateArray().Select(s => s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } text
            ? text : throw new TaskValidationException("config.stop must hold non-empty strings")).ToList();
    }
}
