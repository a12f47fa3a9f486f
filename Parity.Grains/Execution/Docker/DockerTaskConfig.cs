using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parity.Configuration;
using Parity.Tasks;

namespace Parity.Execution.Docker;

/// <summary>
/// A <c>docker</c> task as upstream shapes it: <c>config {"image_name", "docker_image_url"?}</c> and
/// <c>environment.config {"workdir", "command": [...], "env": ["K=V"]}</c>, plus Parity's optional
/// <c>config.resources {"cpu", "memory"}</c>, <c>config.network</c> and <c>config.timeout_seconds</c>.
/// </summary>
public sealed partial record DockerTaskConfig
{
    public const string NoNetwork = "none";

    public required string ImageName { get; init; }
    public Uri? ImageUrl { get; init; }
    public string? WorkingDir { get; init; }
    /// <summary>Empty means the image's own command.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];
    public IReadOnlyList<string> Env { get; init; } = [];
    public double? Cpus { get; init; }
    public long? MemoryBytes { get; init; }
    public string Network { get; init; } = NoNetwork;
    public int? TimeoutSeconds { get; init; }

    /// <summary>Repository and tag as the engine's pull wants them (a digest reference pulls by digest).</summary>
    public (string Repository, string? Tag) PullReference()
    {
        if (ImageName.Contains('@')) return (ImageName, null);
        var colon = ImageName.LastIndexOf(':');
        return colon > ImageName.LastIndexOf('/') ? (ImageName[..colon], ImageName[(colon + 1)..]) : (ImageName, "latest");
    }

    [GeneratedRegex(
        // A registry host is told apart from a path component as the engine does: it has a dot or a port, or is localhost.
        @"^(?:(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::[0-9]+)?/|[A-Za-z0-9-]+:[0-9]+/)?" +
        @"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*" +
        @"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$")]
    private static partial Regex ImageReference();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex EnvEntry();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NetworkName();

    /// <summary>Parses and validates; every failure is a <see cref="TaskValidationException"/> naming the field.</summary>
    public static DockerTaskConfig Parse(ParityTask task)
    {
        using var config = ParseObject(task.Config, "config", required: true)!;
        using var environment = ParseObject(task.Environment?.Config, "environment.config", required: false);
        var root = config.RootElement;
        var env = environment?.RootElement;

        var (cpus, memory) = ParseResources(root);
        return new DockerTaskConfig
        {
            ImageName = ParseImageName(root),
            ImageUrl = ParseImageUrl(root),
            WorkingDir = env is { } e ? ParseWorkingDir(e) : null,
            Command = env is { } c ? ParseStrings(c, "command") : [],
            Env = env is { } v ? ParseEnv(v) : [],
            Cpus = cpus,
            MemoryBytes = memory,
            Network = ParseNetwork(root),
            TimeoutSeconds = ParseTimeout(root),
        };
    }

    private static JsonDocument? ParseObject(string? json, string path, bool required)
    {
        if (string.IsNullOrWhiteSpace(json))
            return required ? throw new TaskValidationException($"{path} is required for docker tasks") : null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new TaskValidationException($"{path} must be a JSON object ({e.Message})");
        }
        if (document.RootElement.ValueKind == JsonValueKind.Null)
        {
            document.Dispose();
            return required ? throw new TaskValidationException($"{path} is required for docker tasks") : null;
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new TaskValidationException($"{path} must be a JSON object");
        }
        return document;
    }

    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? OptionalString(JsonElement root, string name, string path)
    {
        if (Field(root, name) is not { } element) return null;
        if (element.ValueKind != JsonValueKind.String) throw new TaskValidationException($"{path}.{name} must be a string");
        var value = element.GetString()!;
        if (value.Contains('\0')) throw new TaskValidationException($"{path}.{name} must not contain NUL characters");
        return value;
    }

    private static string ParseImageName(JsonElement root)
    {
        var name = OptionalString(root, "image_name", "config");
        if (string.IsNullOrWhiteSpace(name)) throw new TaskValidationException("config.image_name is required");
        if (name.Length > 512 || !ImageReference().IsMatch(name))
            throw new TaskValidationException(
                $"config.image_name '{name}' is not a valid image reference (like busybox:1.36 or registry.example:5000/team/app@sha256:<64 hex>)");
        return name;
    }

    private static Uri? ParseImageUrl(JsonElement root)
    {
        var raw = OptionalString(root, "docker_image_url", "config");
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new TaskValidationException($"config.docker_image_url must be an http(s) URL of a `docker save` tar, got '{raw}'");
        return url;
    }

    private static string? ParseWorkingDir(JsonElement env)
    {
        var dir = OptionalString(env, "workdir", "environment.config");
        if (string.IsNullOrEmpty(dir)) return null;
        if (!dir.StartsWith('/'))
            throw new TaskValidationException($"environment.config.workdir must be an absolute path inside the container, got '{dir}'");
        return dir;
    }

    private static List<string> ParseStrings(JsonElement env, string name)
    {
        if (Field(env, name) is not { } element) return [];
        if (element.ValueKind != JsonValueKind.Array)
            throw new TaskValidationException($"environment.config.{name} must be an array of strings");
        var items = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw new TaskValidationException($"environment.config.{name}[{items.Count}] must be a string");
            var value = item.GetString()!;
            if (value.Contains('\0'))
                throw new TaskValidationException($"environment.config.{name}[{items.Count}] must not contain NUL characters");
            items.Add(value);
        }
        return items;
    }

    private static List<string> ParseEnv(JsonElement env)
    {
        var entries = ParseStrings(env, "env");
        for (var i = 0; i < entries.Count; i++)
        {
            if (!EnvEntry().IsMatch(entries[i]))
                throw new TaskValidationException($"environment.config.env[{i}] must look like NAME=value, got '{entries[i]}'");
        }
        return entries;
    }

    private static (double? Cpus, long? MemoryBytes) ParseResources(JsonElement root)
    {
        if (Field(root, "resources") is not { } resources) return (null, null);
        if (resources.ValueKind != JsonValueKind.Object)
            throw new TaskValidationException("config.resources must be an object like {\"cpu\": 1.5, \"memory\": \"512m\"}");

        double? cpus = null;
        if (Field(resources, "cpu") is { } cpu)
        {
            var ok = cpu.ValueKind == JsonValueKind.Number ? cpu.TryGetDouble(out var value)
                : double.TryParse(cpu.ValueKind == JsonValueKind.String ? cpu.GetString() : null,
                    NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            if (!ok || !double.IsFinite(value) || value < 0.01)
                throw new TaskValidationException($"config.resources.cpu must be a number of CPUs of at least 0.01, got {cpu.GetRawText()}");
            cpus = value;
        }

        long? memory = null;
        if (Field(resources, "memory") is { } mem)
        {
            long? bytes = mem.ValueKind switch
            {
                JsonValueKind.Number when mem.TryGetInt64(out var n) => n,
                JsonValueKind.String => ConfigurationReader.ParseSize(mem.GetString()!.Trim()),
                _ => null,
            };
            if (bytes is not >= MinMemoryBytes)
                throw new TaskValidationException(
                    $"config.resources.memory must be a size of at least 6m (bytes, or like 512m, 2g), got {mem.GetRawText()}");
            memory = bytes;
        }
        return (cpus, memory);
    }

    /// <summary>The engine refuses containers with less than 6 MiB.</summary>
    public const long MinMemoryBytes = 6L << 20;

    private static string ParseNetwork(JsonElement root)
    {
        var network = OptionalString(root, "network", "config");
        if (string.IsNullOrEmpty(network)) return NoNetwork;
        if (!NetworkName().IsMatch(network))
            throw new TaskValidationException($"config.network must be a network name like none, bridge or host, got '{network}'");
        return network;
    }

    private static int? ParseTimeout(JsonElement root)
    {
        if (Field(root, "timeout_seconds") is not { } element) return null;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var seconds) && seconds > 0) return seconds;
        throw new TaskValidationException($"config.timeout_seconds must be a positive integer, got {element.GetRawText()}");
    }
}
