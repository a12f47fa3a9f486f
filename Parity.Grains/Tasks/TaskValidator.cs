using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Json;

namespace Parity.Tasks;

/// <summary>
/// Turns JSON from the wire into a task ready to submit, or a <see cref="TaskValidationException"/> that names the
/// failing field (with the caller's path prefix, e.g. <c>payload[2].type</c>).
/// </summary>
public static partial class TaskValidator
{
    public const int MaxTitleLength = 256;
    public const int MaxDescriptionLength = 8192;

    /// <summary>Whether a string can be a task id (also used to refuse lookups of ids that cannot exist).</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    public static ParityTask Parse(JsonElement element, string path, DateTimeOffset now)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new TaskValidationException($"{path} must be a JSON object");

        RequireString(element, "id", path);
        if (!element.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw new TaskValidationException($"{path}.type is required: one of command, docker, llm, federated_learning");
        if (!Enum.TryParse<TaskType>(type.GetString()!.Replace("_", ""), ignoreCase: true, out _)
            || !TypeNames.Contains(type.GetString()!))
            throw new TaskValidationException(
                $"{path}.type must be one of command, docker, llm, federated_learning, got '{type.GetString()}'");

        ParityTask task;
        try
        {
            task = element.Deserialize<ParityTask>(ParityJson.Options)
                ?? throw new TaskValidationException($"{path} must be a JSON object");
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 1 } jsonPath ? path + jsonPath[1..] : path;
            throw new TaskValidationException($"{field}: {FirstSentence(e.Message)}");
        }
        return Normalize(task, path, now);
    }

    public static ParityTask Normalize(ParityTask task, string path, DateTimeOffset now)
    {
        if (!IsValidId(task.Id))
            throw new TaskValidationException(
                $"{path}.id must be 1-128 letters, digits, '-', '_', '.' or ':', got '{Truncate(task.Id)}'");
        if (task.Title.Length > MaxTitleLength)
            throw new TaskValidationException($"{path}.title exceeds {MaxTitleLength} characters");
        if (task.Description.Length > MaxDescriptionLength)
            throw new TaskValidationException($"{path}.description exceeds {MaxDescriptionLength} characters");
        if (task.Reward < 0)
            throw new TaskValidationException($"{path}.reward must not be negative, got {task.Reward}");

        try
        {
            ValidateConfig(task);
        }
        catch (TaskValidationException e)
        {
            throw new TaskValidationException($"{path}.{e.Message}");
        }

        return task with
        {
            Status = TaskState.Pending,
            Nonce = string.IsNullOrEmpty(task.Nonce) ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) : task.Nonce,
            CreatedAt = task.CreatedAt == default ? now : task.CreatedAt,
            UpdatedAt = now,
            CompletedAt = null,
            Runner = null,
            Attempts = 0,
            Error = null,
        };
    }

    private static void ValidateConfig(ParityTask task)
    {
        switch (task.Type)
        {
            case TaskType.Command:
                ShellTaskConfig.Parse(task.Config);
                break;
            case TaskType.Docker:
                DockerTaskConfig.Parse(task);
                break;
            case TaskType.Llm:
                Parity.Llm.LlmTaskConfig.Parse(task);
                break;
            default:
                // federated_learning configs are validated by the runner that trains (FederatedTaskConfig).
                if (task.Config is not null)
                {
                    using var config = JsonDocument.Parse(task.Config);
                    if (config.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                        throw new TaskValidationException("config must be a JSON object");
                }
                break;
        }
    }

    private static void RequireString(JsonElement element, string name, string path)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new TaskValidationException($"{path}.{name} is required");
        if (value.ValueKind != JsonValueKind.String)
            throw new TaskValidationException($"{path}.{name} must be a string");
    }

    private static readonly HashSet<string> TypeNames = ["command", "docker", "llm", "federated_learning"];

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex IdPattern();
}
