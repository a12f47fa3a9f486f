using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Parity.Execution.Docker;

namespace Parity.Tests.Execution.Docker;

/// <summary>
/// A task's image tar is read before the engine loads it: every name it would tag must be the task's own image, so a
/// hostile tar cannot retag an image another task or the operator relies on, whichever naming file (manifest.json,
/// index.json, repositories) or spelling of its path it hides the name in. Built tars here, no engine: the engine's
/// side is in DockerImageTrustTests.
/// </summary>
public sealed class ImageTarManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parity-image-tar-").FullName;
    private static readonly byte[] ConfigBlob = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux"}""");
    private static readonly string ConfigDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ConfigBlob));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Manifest(string tags) => $$"""[{"Config":"blobs/sha256/cfg","RepoTags":{{tags}},"Layers":[]}]""";

    private string Tar(params (string Name, string? Text)[] files) =>
        Tar(files.Select(f => (f.Name, f.Text is null ? null : Encoding.UTF8.GetBytes(f.Text), TarEntryType.RegularFile)).ToArray());

    private string Tar((string Name, byte[]? Bytes, TarEntryType Type)[] files)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.tar");
        using var stream = File.Create(path);
        using var writer = new TarWriter(stream, TarEntryFormat.Pax);
        foreach (var (name, bytes, type) in files)
        {
            var entry = new PaxTarEntry(type, name);
            if (type == TarEntryType.SymbolicLink) entry.LinkName = "blobs/sha256/cfg";
            else entry.DataStream = new MemoryStream(bytes ?? ConfigBlob);
            writer.WriteEntry(entry);
        }
        return path;
    }

    private static Task<ImageTarManifest> Read(string path) => ImageTarManifest.ReadAsync(path, CancellationToken.None);

    private static async Task<string> Refused(string path) => (await Assert.ThrowsAsync<DockerTaskException>(() => Read(path))).Message;

    [Fact]
    public async Task A_docker_save_tar_of_the_tasks_image_is_read_with_its_config_digest()
    {
        var tar = await Read(Tar(("blobs/sha256/cfg", null), ("manifest.json", Manifest("""["localtest/app:1"]"""))));
        Assert.Equal(["localtest/app:1"], tar.Names);
        Assert.Equal(1, tar.Images);
        Assert.Equal(ConfigDigest, tar.ConfigDigest);
        tar.Check("localtest/app:1", null);
        tar.Check("localtest/app:1", ConfigDigest);
        var pinned = Assert.Throws<DockerTaskException>(() => tar.Check("localtest/app:1", "sha256:" + new string('0', 64)));
        Assert.Equal($"config.image_digest sha256:{new string('0', 64)} does not match the tar's image (its config digest is {ConfigDigest})", pinned.Message);
    }

    [Theory]
    [InlineData("docker.io/library/alpine:3", "alpine:3")]
    [InlineData("index.docker.io/library/alpine", "alpine:latest")]
    [InlineData("docker.io/user/app:2", "user/app:2")]
    [InlineData("index.docker.io/user/app", "user/app:latest")]
    [InlineData("registry.local:5000/app", "registry.local:5000/app:latest")]
    [InlineData("registry.local:5000/app:7", "registry.local:5000/app:7")]
    [InlineData("quay.io/a/b:1", "quay.io/a/b:1")]
    [InlineData("app@sha256:abc", "app@sha256:abc")]
    [InlineData("busybox", "busybox:latest")]
    public void Names_are_compared_as_the_engine_shows_them(string reference, string familiar) =>
        Assert.Equal(familiar, ImageTarManifest.Familiar(reference));

    [Fact]
    public async Task A_name_spelled_another_way_is_the_same_name()
    {
        var tar = await Read(Tar(("blobs/sha256/cfg", null), ("manifest.json", Manifest("""["docker.io/library/busybox"]"""))));
        tar.Check("busybox", null);
        tar.Check("busybox:latest", null);
    }

    [Fact]
    public async Task A_second_tag_in_the_manifest_is_refused_naming_every_tag()
    {
        var tar = await Read(Tar(("blobs/sha256/cfg", null), ("manifest.json", Manifest("""["localtest/app:1","localtest/victim:1"]"""))));
        var error = Assert.Throws<DockerTaskException>(() => tar.Check("localtest/app:1", null));
        Assert.Equal("the tar at docker_image_url tags 'localtest/app:1', 'localtest/victim:1', not only 'localtest/app:1': " +
                     "a task's tar may only name the task's own image", error.Message);
    }

    [Fact]
    public async Task Names_hidden_in_index_json_or_repositories_count_too()
    {
        var index = """
            {"manifests":[
              {"annotations":{"io.containerd.image.name":"docker.io/library/victim:1"}},
              {"annotations":{"org.opencontainers.image.ref.name":"1"}},
              {"annotations":{"org.opencontainers.image.ref.name":"other/victim:2"}},
              {"digest":"sha256:00"}
            ]}
            """;
        var fromIndex = await Read(Tar(("blobs/sha256/cfg", null), ("manifest.json", Manifest("""["localtest/app:1"]""")), ("index.json", index)));
        // A bare tag ("1") names nothing by itself; the others are names the engine may tag.
        Assert.Equal(["localtest/app:1", "victim:1", "other/victim:2"], fromIndex.Names);
        Assert.Throws<DockerTaskException>(() => fromIndex.Check("localtest/app:1", null));

        var fromRepositories = await Read(Tar(("blobs/sha256/cfg", null), ("manifest.json", Manifest("""["localtest/app:1"]""")),
            ("repositories", """{"victim":{"latest":"0123"},"localtest/app":{"1":"0123"}}""")));
        Assert.Equal(["localtest/app:1", "victim:latest", "localtest/app:1"], fromRepositories.Names);
    }

    [Fact]
    public async Task A_tar_that_tags_nothing_is_refused_when_checked()
    {
        var tar = await Read(Tar(("blobs/sha256/cfg", null), ("manifest.json", """[{"Config":"blobs/sha256/cfg"}]""")));
        Assert.Empty(tar.Names);
        Assert.Equal("the tar at docker_image_url tags no image; it must tag exactly 'localtest/app:1'",
            Assert.Throws<DockerTaskException>(() => tar.Check("localtest/app:1", null)).Message);
    }

    [Fact]
    public async Task A_very_long_hostile_name_is_cut_in_the_error()
    {
        var name = "localtest/" + new string('a', 400) + ":1";
        var tar = await Read(Tar(("blobs/sha256/cfg", null), ("manifest.json", Manifest($"[\"{name}\"]"))));
        var error = Assert.Throws<DockerTaskException>(() => tar.Check("localtest/app:1", null)).Message;
        Assert.Contains($"tags '{name[..256]}…', not only", error);
    }

    [Fact]
    public async Task Tars_that_are_not_one_image_of_the_docker_save_shape_are_refused_saying_why()
    {
        Assert.Equal("the tar at docker_image_url has no manifest.json: only `docker save` tars are loaded",
            await Refused(Tar(("blobs/sha256/cfg", null))));
        Assert.Equal("the tar holds 2 images; a task's tar must hold exactly its one image",
            await Refused(Tar(("blobs/sha256/cfg", null), ("manifest.json", """[{"Config":"blobs/sha256/cfg"},{"Config":"blobs/sha256/cfg"}]"""))));
        Assert.Equal("the tar holds 0 images; a task's tar must hold exactly its one image",
            await Refused(Tar(("manifest.json", "[]"))));
        Assert.Equal("the tar's manifest.json is not a list of images",
            await Refused(Tar(("manifest.json", """{"Config":"x"}"""))));
        Assert.Equal("the tar's manifest.json, index.json or repositories file is not valid JSON of the docker save shape",
            await Refused(Tar(("manifest.json", "[{"))));
        Assert.Equal("the tar's manifest.json, index.json or repositories file is not valid JSON of the docker save shape",
            await Refused(Tar(("blobs/sha256/cfg", null), ("manifest.json", Manifest("""["a:1"]""")), ("repositories", """{"victim":"latest"}"""))));
        Assert.Equal("the tar's manifest.json names no Config blob",
            await Refused(Tar(("manifest.json", """[{"Config":7,"RepoTags":["a:1"]}]"""))));
        Assert.Equal("the tar's manifest.json names a Config blob the tar does not hold",
            await Refused(Tar(("manifest.json", Manifest("""["a:1"]""")))));
    }

    [Fact]
    public async Task A_naming_file_twice_under_another_spelling_or_as_a_link_is_refused()
    {
        Assert.Equal("the tar's manifest.json must be one regular file",
            await Refused(Tar(("blobs/sha256/cfg", null), ("manifest.json", Manifest("""["a:1"]""")),
                ("./blobs/../manifest.json", Manifest("""["victim:1"]""")))));
        Assert.Equal("the tar's repositories must be one regular file",
            await Refused(Tar([("blobs/sha256/cfg", null, TarEntryType.RegularFile),
                ("manifest.json", Encoding.UTF8.GetBytes(Manifest("""["a:1"]""")), TarEntryType.RegularFile),
                ("repositories", null, TarEntryType.SymbolicLink)])));
    }

    [Fact]
    public async Task The_config_blob_is_found_whatever_the_spelling_of_its_path()
    {
        var tar = await Read(Tar(("./blobs//sha256/cfg", null), ("manifest.json", Manifest("""["a:1"]"""))));
        Assert.Equal(ConfigDigest, tar.ConfigDigest);
    }

    [Fact]
    public async Task An_oversized_naming_file_and_a_file_that_is_not_a_tar_are_refused()
    {
        var huge = "[" + new string(' ', (1 << 20) + 1) + "]";
        Assert.Equal("the tar's manifest.json is larger than 1 MiB", await Refused(Tar(("manifest.json", huge))));
        var notTar = Path.Combine(_dir, "not.tar");
        await File.WriteAllBytesAsync(notTar, Enumerable.Range(0, 2048).Select(i => (byte)(i * 7 + 1)).ToArray());
        Assert.Equal("the file at docker_image_url is not a valid tar", await Refused(notTar));
    }
}
