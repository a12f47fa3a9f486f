using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Parity.Execution;

/// <summary>
/// The <c>config</c> of a <c>command</c> task:
/// <c>{"command": "...", "working_dir": "", "environment": {"K": "V"}, "timeout_seconds": N}</c>.
/// </summary>
public sealed partial record ShellTaskConfig
{
    public const int MaxCommandLength = 65536;

    public required string Command { get; init; }
    /// <summary>Relative to the task's directory; empty means the directory itself.</summary>
    public string WorkingDir { get; init; } = "";
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>May only shorten the runner's own execution timeout.</summary>
    public int? TimeoutSeconds { get; init; }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    /// <summary>Parses and validates; every failure is a <see cref="TaskValidationException"/> naming the field.</summary>
    public static ShellTaskConfig Parse(string? configJson)
    {
        if (string.IsNullOrWhiteSpace(configJson))
            throw new TaskValidationException("config is required for command tasks");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(configJson);
        }
        catch (JsonException e)
        {
            throw new TaskValidationException($"config must be a JSON object ({e.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
                throw new TaskValidationException("config is required for command tasks");
            if (root.ValueKind != JsonValueKind.Object)
                throw new TaskValidationException("config must be a JSON object");

            return new ShellTaskConfig
            {
                Command = ParseCommand(root),
                WorkingDir = ParseWorkingDir(root),
                Environment = ParseEnvironment(root),
                TimeoutSeconds = ParseTimeout(root),
            };
        }
    }

    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string ParseCommand(JsonElement root)
    {
        if (Field(root, "command") is not { } element)
            throw new TaskValidationException("config.command is required");
        if (element.ValueKind != JsonValueKind.String)
            throw new TaskValidationException("config.command must be a string");
        var command = element.GetString()!;
        if (string.IsNullOrWhiteSpace(command))
            throw new TaskValidationException("config.command must not be empty");
        if (command.Length > MaxCommandLength)
            throw new TaskValidationException($"config.command exceeds {MaxCommandLength} characters");
        if (command.Contains('\0'))
            throw new TaskValidationException("config.command must not contain NUL characters");
        return command;
    }

    private static string ParseWorkingDir(JsonElement root)
    {
        if (Field(root, "working_dir") is not { } element) return "";
        if (element.ValueKind != JsonValueKind.String)
            throw new TaskValidationException("config.working_dir must be a string");
        var dir = element.GetString()!;
        var escapes = dir.StartsWith('/') || dir.Contains('\0') || dir.Split('/').Contains("..");
        if (escapes)
            throw new TaskValidationException(
                $"config.working_dir must be a relative path inside the task's directory, got '{dir}'");
        return dir;
    }

    private static Dictionary<string, string> ParseEnvironment(JsonElement root)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Field(root, "environment") is not { } element) return variables;
        if (element.ValueKind != JsonValueKind.Object)
            throw new TaskValidationException("config.environment must be an object of strings");

        foreach (var property in element.EnumerateObject())
        {
            if (!VariableName().IsMatch(property.Name))
                throw new TaskValidationException($"config.environment: '{property.Name}' is not a valid variable name");
            if (property.Value.ValueKind != JsonValueKind.String)
                throw new TaskValidationException($"config.environment.{property.Name} must be a string");
            var value = property.Value.GetString()!;
            if (value.Contains('\0'))
                throw new TaskValidationException($"config.environment.{property.Name} must not contain NUL characters");
            variables[property.Name] = value;
        }
        return variables;
    }

    private static int? ParseTimeout(JsonElement root)
    {
        if (Field(root, "timeout_seconds") is not { } element) return null;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var seconds) && seconds > 0)
            return seconds;
        throw new TaskValidationException(
            string.Create(CultureInfo.InvariantCulture,
                $"config.timeout_seconds must be a positive integer, got {element.GetRawText()}"));
    }
}
