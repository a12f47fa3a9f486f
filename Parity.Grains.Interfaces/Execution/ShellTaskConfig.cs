using System.Text.Json;
using System.Text.RegularExpressions;
using Parity.Json;
using Parity.Tasks;

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

    /// <summary>The fields <c>config</c> takes; Parity's own task route refuses any other (<see cref="RefuseUnknownFields"/>).</summary>
    public static IReadOnlyList<string> Fields { get; } = ["command", "working_dir", "environment", "timeout_seconds"];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    /// <summary>Refuses a <c>config</c> field this type does not take, naming it (Parity's API; upstream pushes are tolerated).</summary>
    public static void RefuseUnknownFields(ParityTask task)
    {
        using var document = JsonFields.ParseObject(task.Config, "config", required: false, "");
        if (document is not null) KnownFields.Check(document.RootElement, "config.", Fields);
    }

    /// <summary>Parses and validates; every failure is a <see cref="TaskConfigException"/> naming the field.</summary>
    public static ShellTaskConfig Parse(string? configJson)
    {
        using var document = JsonFields.ParseObject(configJson, "config", required: true, "config is required for command tasks")!;
        var root = document.RootElement;
        return new ShellTaskConfig
        {
            Command = ParseCommand(root),
            WorkingDir = ParseWorkingDir(root),
            Environment = ParseEnvironment(root),
            TimeoutSeconds = JsonFields.PositiveInt(root, "timeout_seconds", "config."),
        };
    }

    private static string ParseCommand(JsonElement root)
    {
        var command = JsonFields.String(root, "command", "config.") ?? throw new TaskConfigException("config.command is required");
        if (string.IsNullOrWhiteSpace(command))
            throw new TaskConfigException("config.command must not be empty");
        if (command.Length > MaxCommandLength)
            throw new TaskConfigException($"config.command exceeds {MaxCommandLength} characters");
        return command;
    }

    private static string ParseWorkingDir(JsonElement root)
    {
        if (JsonFields.Field(root, "working_dir") is not { } element) return "";
        if (element.ValueKind != JsonValueKind.String)
            throw new TaskConfigException("config.working_dir must be a string");
        var dir = element.GetString()!;
        var escapes = dir.StartsWith('/') || dir.Contains('\0') || dir.Split('/').Contains("..");
        if (escapes)
            throw new TaskConfigException(
                $"config.working_dir must be a relative path inside the task's directory, got '{dir}'");
        return dir;
    }

    private static Dictionary<string, string> ParseEnvironment(JsonElement root)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (JsonFields.Field(root, "environment") is not { } element) return variables;
        if (element.ValueKind != JsonValueKind.Object)
            throw new TaskConfigException("config.environment must be an object of strings");

        foreach (var property in element.EnumerateObject())
        {
            if (!VariableName().IsMatch(property.Name))
                throw new TaskConfigException($"config.environment: '{property.Name}' is not a valid variable name");
            if (property.Value.ValueKind != JsonValueKind.String)
                throw new TaskConfigException($"config.environment.{property.Name} must be a string");
            var value = property.Value.GetString()!;
            if (value.Contains('\0'))
                throw new TaskConfigException($"config.environment.{property.Name} must not contain NUL characters");
            variables[property.Name] = value;
        }
        return variables;
    }
}
