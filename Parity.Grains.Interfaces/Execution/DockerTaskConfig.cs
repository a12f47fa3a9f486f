using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parity.Configuration;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Execution;

/// <summary>
/// A <c>docker</c> task as upstream shapes it: <c>config {"image_name", "docker_image_url"?}</c> and
/// <c>environment.config {"workdir", "command": [...], "env": ["K=V"]}</c>, plus Parity's optional
/// <c>config.resources {"cpu", "memory"}</c>, <c>config.network</c>, <c>config.timeout_seconds</c> and
/// <c>config.image_digest</c> (<c>sha256:&lt;64 hex&gt;</c>: the image ID, i.e. the digest of the image's config — the
/// <c>Config</c> blob of a saved tar's manifest.json — or, for a pulled image, one of its registry digests).
/// </summary>
public sealed partial record DockerTaskConfig
{
    public const string NoNetwork = "none";

    public required string ImageName { get; init; }
    public Uri? ImageUrl { get; init; }
    /// <summary>
    /// The image tar by CID (<c>docker_image_cid</c>, or a <c>docker_image_url</c> of the form <c>…/ipfs/&lt;cid&gt;</c>):
    /// fetched from the runner's configured gateways, verified, never from the URL's own host.
    /// </summary>
    public Parity.Storage.Cid? ImageCid { get; init; }
    /// <summary>The pinned image, <c>sha256:&lt;64 hex&gt;</c>; the task fails if its image is any other.</summary>
    public string? ImageDigest { get; init; }
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

    /// <summary>
    /// The registry host (without port) the engine would pull <see cref="ImageName"/> from, or null for Docker Hub. The
    /// first path component is a host as the engine tells it: it has a dot or a port, or is <c>localhost</c>.
    /// </summary>
    public string? RegistryHost()
    {
        var slash = ImageName.IndexOf('/');
        if (slash < 0) return null;
        var first = ImageName[..slash];
        if (!first.Contains('.') && !first.Contains(':') && first != "localhost") return null;
        var colon = first.IndexOf(':');
        return colon < 0 ? first : first[..colon];
    }

    [GeneratedRegex(
        // A registry host is told apart from a path component as the engine does: it has a dot or a port, or is localhost.
        @"^(?:(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::[0-9]+)?/|[A-Za-z0-9-]+:[0-9]+/)?" +
        @"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*" +
        @"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$")]
    private static partial Regex ImageReference();

    /// <summary>The fields <c>config</c> takes; Parity's own task route refuses any other (<see cref="RefuseUnknownFields"/>).</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["image_name", "docker_image_url", "docker_image_cid", "image_digest", "resources", "network", "timeout_seconds"];
    public static IReadOnlyList<string> ResourceFields { get; } = ["cpu", "memory"];
    /// <summary>The fields <c>environment.config</c> takes.</summary>
    public static IReadOnlyList<string> EnvironmentFields { get; } = ["workdir", "command", "env"];

    /// <summary>
    /// Refuses a field of <c>config</c>, <c>config.resources</c> or <c>environment.config</c> this type does not take,
    /// naming it (Parity's API; upstream pushes are tolerated).
    /// </summary>
    public static void RefuseUnknownFields(ParityTask task)
    {
        using (var config = JsonFields.ParseObject(task.Config, "config", required: false, ""))
        {
            if (config is not null)
            {
                KnownFields.Check(config.RootElement, "config.", Fields);
                if (JsonFields.Field(config.RootElement, "resources") is { } resources)
                    KnownFields.Check(resources, "config.resources.", ResourceFields);
            }
        }
        using var environment = JsonFields.ParseObject(task.Environment?.Config, "environment.config", required: false, "");
        if (environment is not null) KnownFields.Check(environment.RootElement, "environment.config.", EnvironmentFields);
    }

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Digest();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex EnvEntry();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NetworkName();

    /// <summary>Parses and validates; every failure is a <see cref="TaskConfigException"/> naming the field.</summary>
    public static DockerTaskConfig Parse(ParityTask task)
    {
        using var config = JsonFields.ParseObject(task.Config, "config", required: true, "config is required for docker tasks")!;
        using var environment = JsonFields.ParseObject(task.Environment?.Config, "environment.config", required: false, "");
        var root = config.RootElement;
        var env = environment?.RootElement;

        var (cpus, memory) = ParseResources(root);
        var (url, cid) = ParseImageSource(root);
        return new DockerTaskConfig
        {
            ImageName = ParseImageName(root),
            ImageUrl = url,
            ImageCid = cid,
            ImageDigest = ParseImageDigest(root),
            WorkingDir = env is { } e ? ParseWorkingDir(e) : null,
            Command = env is { } c ? ParseStrings(c, "command") : [],
            Env = env is { } v ? ParseEnv(v) : [],
            Cpus = cpus,
            MemoryBytes = memory,
            Network = ParseNetwork(root),
            TimeoutSeconds = JsonFields.PositiveInt(root, "timeout_seconds", "config."),
        };
    }

    private static string ParseImageName(JsonElement root)
    {
        var name = JsonFields.String(root, "image_name", "config.");
        if (string.IsNullOrWhiteSpace(name)) throw new TaskConfigException("config.image_name is required");
        if (name.Length > 512 || !ImageReference().IsMatch(name))
            throw new TaskConfigException(
                $"config.image_name '{name}' is not a valid image reference (like busybox:1.36 or registry.example:5000/team/app@sha256:<64 hex>)");
        return name;
    }

    /// <summary>At most one of docker_image_url and docker_image_cid; an IPFS gateway URL is read as its CID.</summary>
    private static (Uri? Url, Parity.Storage.Cid? Cid) ParseImageSource(JsonElement root)
    {
        var url = ParseImageUrl(root);
        var text = JsonFields.String(root, "docker_image_cid", "config.");
        if (!string.IsNullOrWhiteSpace(text))
        {
            if (url is not null)
                throw new TaskConfigException("config: give docker_image_url or docker_image_cid, not both");
            return Parity.Storage.Cid.TryParse(text, out var cid, out var error)
                ? (null, cid)
                : throw new TaskConfigException($"config.docker_image_cid '{JsonFields.Excerpt(text)}' is not a CID: {error}");
        }
        // Upstream writes "<its gateway>/ipfs/<cid>" here: the CID is what matters, and any gateway may serve it.
        var segments = url?.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is [.., "ipfs", var last] && Parity.Storage.Cid.TryParse(last, out var fromUrl, out _))
            return (null, fromUrl);
        return (url, null);
    }

    private static Uri? ParseImageUrl(JsonElement root)
    {
        var raw = JsonFields.String(root, "docker_image_url", "config.");
        if (string.IsNullOrWhiteSpace(raw)) return null;
        // The value is never echoed: a URL may carry credentials, and errors travel to logs and events.
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new TaskConfigException("config.docker_image_url must be an http(s) URL of a `docker save` tar");
        if (url.UserInfo.Length > 0)
            throw new TaskConfigException(
                "config.docker_image_url must not carry credentials (user:password@host): the runner fetches only public URLs");
        return url;
    }

    private static string? ParseImageDigest(JsonElement root)
    {
        var digest = JsonFields.String(root, "image_digest", "config.");
        if (digest is null) return null;
        if (!Digest().IsMatch(digest))
            throw new TaskConfigException($"config.image_digest must be sha256:<64 lowercase hex> (the image ID), got '{JsonFields.Excerpt(digest)}'");
        return digest;
    }

    private static string? ParseWorkingDir(JsonElement env)
    {
        var dir = JsonFields.String(env, "workdir", "environment.config.");
        if (string.IsNullOrEmpty(dir)) return null;
        if (!dir.StartsWith('/'))
            throw new TaskConfigException($"environment.config.workdir must be an absolute path inside the container, got '{dir}'");
        return dir;
    }

    private static List<string> ParseStrings(JsonElement env, string name)
    {
        if (JsonFields.Field(env, name) is not { } element) return [];
        if (element.ValueKind != JsonValueKind.Array)
            throw new TaskConfigException($"environment.config.{name} must be an array of strings");
        var items = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw new TaskConfigException($"environment.config.{name}[{items.Count}] must be a string");
            var value = item.GetString()!;
            if (value.Contains('\0'))
                throw new TaskConfigException($"environment.config.{name}[{items.Count}] must not contain NUL characters");
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
                throw new TaskConfigException($"environment.config.env[{i}] must look like NAME=value, got '{entries[i]}'");
        }
        return entries;
    }

    private static (double? Cpus, long? MemoryBytes) ParseResources(JsonElement root)
    {
        if (JsonFields.Field(root, "resources") is not { } resources) return (null, null);
        if (resources.ValueKind != JsonValueKind.Object)
            throw new TaskConfigException("config.resources must be an object like {\"cpu\": 1.5, \"memory\": \"512m\"}");

        double? cpus = null;
        if (JsonFields.Field(resources, "cpu") is { } cpu)
        {
            var ok = cpu.ValueKind == JsonValueKind.Number ? cpu.TryGetDouble(out var value)
                : double.TryParse(cpu.ValueKind == JsonValueKind.String ? cpu.GetString() : null,
                    NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            if (!ok || !double.IsFinite(value) || value < 0.01)
                throw new TaskConfigException($"config.resources.cpu must be a number of CPUs of at least 0.01, got {cpu.GetRawText()}");
            cpus = value;
        }

        long? memory = null;
        if (JsonFields.Field(resources, "memory") is { } mem)
        {
            long? bytes = mem.ValueKind switch
            {
                JsonValueKind.Number when mem.TryGetInt64(out var n) => n,
                JsonValueKind.String => ByteSizeText.Parse(mem.GetString()!.Trim()),
                _ => null,
            };
            if (bytes is not >= MinMemoryBytes)
                throw new TaskConfigException(
                    $"config.resources.memory must be a size of at least 6m (bytes, or like 512m, 2g), got {mem.GetRawText()}");
            memory = bytes;
        }
        return (cpus, memory);
    }

    /// <summary>The engine refuses containers with less than 6 MiB.</summary>
    public const long MinMemoryBytes = 6L << 20;

    private static string ParseNetwork(JsonElement root)
    {
        var network = JsonFields.String(root, "network", "config.");
        if (string.IsNullOrEmpty(network)) return NoNetwork;
        // Never the host's network namespace (the silo's loopback API, a tcp:// engine, every host port) nor another
        // container's; whatever RUNNER_DOCKER_ALLOW_NETWORK says.
        if (network.Equals("host", StringComparison.OrdinalIgnoreCase))
            throw new TaskConfigException(
                "config.network 'host' is never allowed: it would share the runner's own network (its loopback services and engine)");
        if (network.StartsWith("container:", StringComparison.OrdinalIgnoreCase))
            throw new TaskConfigException(
                "config.network 'container:…' is never allowed: it would join another container's network");
        if (!NetworkName().IsMatch(network))
            throw new TaskConfigException($"config.network must be a network name like none or bridge, got '{JsonFields.Excerpt(network)}'");
        return network;
    }

}
