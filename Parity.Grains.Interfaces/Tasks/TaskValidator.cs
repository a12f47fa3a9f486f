using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parity.Json;

namespace Parity.Tasks;

/// <summary>
/// Turns JSON from the wire into a task ready to submit, or a <see cref="TaskConfigException"/> that names the
/// failing field (with the caller's path prefix, e.g. <c>payload[2].type</c>).
/// </summary>
public static partial class TaskValidator
{
    public const int MaxTitleLength = 256;
    public const int MaxDescriptionLength = 8192;

    /// <summary>Whether a string can be a task id (also used to refuse lookups of ids that cannot exist).</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id) && !IsDotSegment(id);

    /// <summary>What is wrong with <paramref name="id"/>, to follow the field's name ("id must …"); null if it is a valid id.</summary>
    public static string? IdProblem(string id) =>
        IsDotSegment(id) ? "must not be '.' or '..': a URL path cannot name them (…/tasks/{id}), so the task could never be read back"
        : IdPattern().IsMatch(id) ? null
        : $"must be 1-128 letters, digits, '-', '_', '.' or ':', got '{Visible(JsonFields.Excerpt(id))}'";

    /// <summary>"." and ".." are removed from a URL path by every client and proxy: such a task could never be read back.</summary>
    private static bool IsDotSegment(string id) => id is "." or "..";

    /// <summary>The longest creator_device_id (the upstream's device ids are 64 hex digits).</summary>
    public const int MaxDeviceIdLength = 128;

    /// <summary>Task ids only the cluster's federated sessions may use.</summary>
    public const string ReservedPrefix = "fl-";

    /// <summary>The fields a task's JSON may carry on Parity's API (<see cref="TaskSource.Api"/>).</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["id", "title", "description", "type", "config", "environment", "nonce", "reward", "creator_address", "creator_device_id"];

    public static IReadOnlyList<string> EnvironmentFields { get; } = ["type", "config"];

    /// <summary>
    /// The fields of a stored task that only the server sets, with why: refused on Parity's API, overwritten in an
    /// upstream push. A submitter that could set <c>created_at</c> would jump the dispatch queue (it is oldest first),
    /// and one that could set <c>client_id</c> would have its usage billed to someone else.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ServerOwnedFields { get; } = new Dictionary<string, string>
    {
        ["status"] = "",
        ["created_at"] = " (when it receives the task)",
        ["updated_at"] = "",
        ["completed_at"] = "",
        ["runner"] = " (the runner that takes the task)",
        ["attempt"] = "",
        ["error"] = "",
        ["client_id"] = " from the X-Client-ID header",
    };

    public static ParityTask Parse(JsonElement element, string path, DateTimeOffset now, TaskSource source)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new TaskConfigException($"{path} must be a JSON object");
        if (source == TaskSource.Api)
        {
            KnownFields.Check(element, path + ".", Fields, ServerOwnedFields);
            if (JsonFields.Field(element, "environment") is { } environment)
                KnownFields.Check(environment, path + ".environment.", EnvironmentFields);
        }

        RequireString(element, "id", path);
        if (!element.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw new TaskConfigException($"{path}.type is required: one of {TaskTypes.WireNames}");
        if (TaskTypes.FromWireName(type.GetString()!) is null)
            throw new TaskConfigException($"{path}.type must be one of {TaskTypes.WireNames}, got '{type.GetString()}'");

        ParityTask task;
        try
        {
            task = element.Deserialize<ParityTask>(ParityJson.Options)
                ?? throw new TaskConfigException($"{path} must be a JSON object");
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 1 } jsonPath ? path + jsonPath[1..] : path;
            throw new TaskConfigException($"{field}: {FirstSentence(e.Message)}");
        }
        return Normalize(task, path, now, source);
    }

    /// <summary>
    /// Checks a parsed task and sets what the server owns (status, times, runner, attempt, error, client). The caller
    /// sets <see cref="ParityTask.ClientId"/> afterwards from what it trusts (the gateway's X-Client-ID header).
    /// </summary>
    public static ParityTask Normalize(ParityTask task, string path, DateTimeOffset now, TaskSource source)
    {
        if (IdProblem(task.Id) is { } problem) throw new TaskConfigException($"{path}.id {problem}");
        // A session's round tasks are named fl-{session}-r{n}-p{k}, and a session takes the task it finds under that
        // name: a client that created one first would plant its own config in the round.
        if (task.Id.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            throw new TaskConfigException($"{path}.id must not start with '{ReservedPrefix}': those ids are the federated sessions' round tasks");
        if (task.Title.Length > MaxTitleLength)
            throw new TaskConfigException($"{path}.title exceeds {MaxTitleLength} characters");
        if (task.Description.Length > MaxDescriptionLength)
            throw new TaskConfigException($"{path}.description exceeds {MaxDescriptionLength} characters");
        if (task.Reward < 0)
            throw new TaskConfigException($"{path}.reward must not be negative, got {task.Reward}");
        if (task.CreatorDeviceId is { } creatorDevice
            && (creatorDevice.Length is 0 or > MaxDeviceIdLength || creatorDevice.Any(char.IsControl) || creatorDevice.Trim() != creatorDevice))
            throw new TaskConfigException(
                $"{path}.creator_device_id must be 1-{MaxDeviceIdLength} characters without control characters or surrounding spaces (a StakeWallet device id)");

        // A reference server sends no partition seed (its runners drew unshared ones, §8); every participant of its
        // session derives the same one from the session id, so their parts are disjoint and complete (§17).
        if (source == TaskSource.Upstream && task.Type == TaskType.FederatedLearning)
            task = task with { Config = Parity.Federation.FederatedTaskConfig.WithSessionSeed(task.Config) };
        try
        {
            if (source == TaskSource.Api) TaskTypes.Of(task.Type).RefuseUnknownFields(task);
            TaskTypes.ParseConfig(task);
        }
        catch (TaskConfigException e)
        {
            throw new TaskConfigException($"{path}.{e.Message}");
        }

        return task with
        {
            Status = TaskState.Pending,
            Nonce = string.IsNullOrEmpty(task.Nonce) ? NewNonce() : task.Nonce,
            CreatedAt = now,
            UpdatedAt = now,
            CompletedAt = null,
            Runner = null,
            Attempt = 0,
            Error = null,
            ClientId = null,
        };
    }

    private static string NewNonce()
    {
        Span<byte> nonce = stackalloc byte[32];
        RandomNumberGenerator.Fill(nonce);
        return Convert.ToHexStringLower(nonce);
    }

    private static void RequireString(JsonElement element, string name, string path)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new TaskConfigException($"{path}.{name} is required");
        if (value.ValueKind != JsonValueKind.String)
            throw new TaskConfigException($"{path}.{name} must be a string");
    }

    /// <summary>Control characters written as escapes, so that a message quoting an id stays one readable line.</summary>
    private static string Visible(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }


    // \z, not $: $ also matches before a final newline, which would let "abc\n" through as an id distinct from "abc".
    [GeneratedRegex(@"^[A-Za-z0-9._:-]{1,128}\z")]
    private static partial Regex IdPattern();
}
