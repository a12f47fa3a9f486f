using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;

namespace Parity.Execution.Docker;

/// <summary>
/// What a <c>docker save</c> tar would do to the engine's names if loaded, read before it is: its manifest.json (the
/// entries the engine loads and the names it tags them with), and the other naming files an engine may read
/// (index.json annotations, the legacy repositories file). A task's tar is loaded only when every name it carries is
/// exactly the task's own image name, so it can never retag an image another task (or the operator) relies on.
/// </summary>
internal sealed class ImageTarManifest
{
    private const string ManifestFile = "manifest.json";
    private const string IndexFile = "index.json";
    private const string RepositoriesFile = "repositories";
    private const int MaxNamingFileBytes = 1 << 20;

    /// <summary>Every name the tar would tag, normalized (<see cref="Familiar"/>).</summary>
    public required IReadOnlyList<string> Names { get; init; }
    /// <summary>Entries in manifest.json: the images a load creates.</summary>
    public required int Images { get; init; }
    /// <summary>sha256:&lt;hex&gt; of the single image's config blob: the image ID the engine gives it.</summary>
    public required string ConfigDigest { get; init; }

    /// <summary>Reads the tar at <paramref name="path"/>; a tar that is not a single-image <c>docker save</c> is refused.</summary>
    public static async Task<ImageTarManifest> ReadAsync(string path, CancellationToken cancellation)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using (var stream = File.OpenRead(path))
            await foreach (var entry in Entries(stream, cancellation))
            {
                var name = Normalize(entry.Name);
                if (name is not (ManifestFile or IndexFile or RepositoriesFile)) continue;
                // A link or a second copy of a naming file would let the engine read other bytes than we checked.
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || files.ContainsKey(name))
                    throw new DockerTaskException($"the tar's {name} must be one regular file");
                files[name] = entry.DataStream is { } data ? await ReadSmallAsync(data, name, cancellation) : [];
            }
        if (!files.TryGetValue(ManifestFile, out var manifestBytes))
            throw new DockerTaskException("the tar at docker_image_url has no manifest.json: only `docker save` tars are loaded");

        var names = new List<string>();
        string config;
        int images;
        try
        {
            using var manifest = JsonDocument.Parse(manifestBytes);
            if (manifest.RootElement.ValueKind != JsonValueKind.Array)
                throw new DockerTaskException("the tar's manifest.json is not a list of images");
            images = manifest.RootElement.GetArrayLength();
            if (images != 1)
                throw new DockerTaskException($"the tar holds {images} images; a task's tar must hold exactly its one image");
            var image = manifest.RootElement[0];
            config = image.TryGetProperty("Config", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
            if (image.TryGetProperty("RepoTags", out var tags) && tags.ValueKind == JsonValueKind.Array)
                foreach (var tag in tags.EnumerateArray())
                    names.Add(Familiar(tag.GetString() ?? ""));
            if (files.TryGetValue(IndexFile, out var indexBytes)) names.AddRange(IndexNames(indexBytes));
            if (files.TryGetValue(RepositoriesFile, out var repositoriesBytes)) names.AddRange(RepositoriesNames(repositoriesBytes));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new DockerTaskException("the tar's manifest.json, index.json or repositories file is not valid JSON of the docker save shape");
        }
        if (config.Length == 0) throw new DockerTaskException("the tar's manifest.json names no Config blob");

        string? digest = null;
        await using (var stream = File.OpenRead(path))
            await foreach (var entry in Entries(stream, cancellation))
                if (Normalize(entry.Name) == Normalize(config) && entry.DataStream is { } data)
                {
                    digest = "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(data, cancellation));
                    break;
                }
        return new ImageTarManifest
        {
            Names = names,
            Images = images,
            ConfigDigest = digest ?? throw new DockerTaskException("the tar's manifest.json names a Config blob the tar does not hold"),
        };
    }

    /// <summary>Throws unless loading this tar tags exactly <paramref name="imageName"/> (and the pinned image, if any).</summary>
    public void Check(string imageName, string? pinnedDigest)
    {
        var wanted = Familiar(imageName);
        if (Names.Count == 0)
            throw new DockerTaskException($"the tar at docker_image_url tags no image; it must tag exactly '{imageName}'");
        if (Names.Any(name => name != wanted))
            throw new DockerTaskException(
                $"the tar at docker_image_url tags {string.Join(", ", Names.Distinct().Select(n => $"'{Shown(n)}'"))}, " +
                $"not only '{imageName}': a task's tar may only name the task's own image");
        if (pinnedDigest is not null && ConfigDigest != pinnedDigest)
            throw new DockerTaskException(
                $"config.image_digest {pinnedDigest} does not match the tar's image (its config digest is {ConfigDigest})");
    }

    /// <summary>A name from the tar as an error shows it: image names run longer than the usual 40-character excerpt.</summary>
    private static string Shown(string name) => name.Length <= 256 ? name : name[..256] + "…";

    /// <summary>A reference as the engine shows it: docker.io's prefixes dropped, <c>:latest</c> when untagged.</summary>
    public static string Familiar(string reference)
    {
        var name = reference;
        foreach (var prefix in new[] { "docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/" })
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                name = name[prefix.Length..];
                break;
            }
        if (name.Contains('@')) return name;
        return name.LastIndexOf(':') > name.LastIndexOf('/') ? name : name + ":latest";
    }

    private static IEnumerable<string> IndexNames(byte[] bytes)
    {
        using var index = JsonDocument.Parse(bytes);
        if (!index.RootElement.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array) yield break;
        foreach (var manifest in manifests.EnumerateArray())
        {
            if (!manifest.TryGetProperty("annotations", out var annotations) || annotations.ValueKind != JsonValueKind.Object) continue;
            if (annotations.TryGetProperty("io.containerd.image.name", out var full)) yield return Familiar(full.GetString() ?? "");
            // The OCI ref name is a tag alone or a full reference; an engine may tag it under the name it belongs to.
            if (annotations.TryGetProperty("org.opencontainers.image.ref.name", out var reference) && reference.GetString() is { } r)
                if (r.Contains('/') || r.Contains(':')) yield return Familiar(r);
        }
    }

    private static IEnumerable<string> RepositoriesNames(byte[] bytes)
    {
        using var repositories = JsonDocument.Parse(bytes);
        foreach (var repository in repositories.RootElement.EnumerateObject())
            foreach (var tag in repository.Value.EnumerateObject())
                yield return Familiar($"{repository.Name}:{tag.Name}");
    }

        /// <summary>An entry's path as extraction resolves it ("./a//b/../c" is "a/c"), so no spelling hides a naming file.</summary>
    private static string Normalize(string entryName)
    {
        var parts = new List<string>();
        foreach (var part in entryName.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static async IAsyncEnumerable<TarEntry> Entries(Stream stream,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        var reader = new TarReader(stream);
        await using (reader)
            while (true)
            {
                TarEntry? entry;
                try
                {
                    entry = await reader.GetNextEntryAsync(copyData: false, cancellation);
                }
                catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
                {
                    throw new DockerTaskException("the file at docker_image_url is not a valid tar");
                }
                if (entry is null) yield break;
                yield return entry;
            }
    }

    private static async Task<byte[]> ReadSmallAsync(Stream data, string name, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 14];
        int read;
        while ((read = await data.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > MaxNamingFileBytes)
                throw new DockerTaskException($"the tar's {name} is larger than {ByteSize.Format(MaxNamingFileBytes)}");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
