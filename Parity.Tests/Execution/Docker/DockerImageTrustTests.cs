using System.Formats.Tar;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Parity.Configuration;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Execution.Docker;

/// <summary>
/// A docker task's input is hostile: its image URL, registry, tar, volumes and network. Against the real test dockerd;
/// no test here opens a connection to a non-loopback address (forbidden ones are made-up names resolved by
/// <see cref="RecordingNetwork"/>, whose dialer records and never dials off loopback).
/// </summary>
public sealed class DockerImageTrustTests : IAsyncLifetime, IDisposable
{
    private const string MadeUpHost = "images.parity-test.invalid";
    private static readonly string RefusedLoopback = "refused: address class loopback not allowed (RUNNER_DOCKER_FETCH_ALLOW)";

    private readonly string _clusterId = "trust-" + Guid.NewGuid().ToString("N")[..8];
    private readonly DockerEngine _engine;
    private readonly DockerExecutorOptions _options;
    private readonly List<string> _images = [];

    public DockerImageTrustTests()
    {
        _options = new DockerExecutorOptions
        {
            Host = TestEngines.Docker,
            CpuLimit = 1,
            MemoryLimitBytes = 256L << 20,
            PidsLimit = 32,
            EngineTimeout = TimeSpan.FromSeconds(30),
            ExecutionTimeout = TimeSpan.FromSeconds(60),
            StopGrace = TimeSpan.FromSeconds(1),
        };
        _engine = new DockerEngine(_options, new ClusteringOptions { ClusterId = _clusterId, SiloName = "trust-silo" },
            NullLogger<DockerEngine>.Instance);
    }

    public async Task InitializeAsync() => Assert.True(await _engine.RefreshAsync(CancellationToken.None), "the test dockerd answers");

    public async Task DisposeAsync()
    {
        foreach (var image in _images)
        {
            try
            {
                await _engine.Client.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = true });
            }
            catch (DockerImageNotFoundException)
            {
            }
        }
        Assert.Empty(await _engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{DockerEngine.ClusterLabel}={_clusterId}"] = true },
            },
        }));
    }

    public void Dispose() => _engine.Dispose();

    private static DockerExecutorOptions Allowing(DockerExecutorOptions options, string cidrs) =>
        options with { FetchAllow = FetchAddressPolicy.Parse(cidrs) };

    private DockerExecutor Executor(DockerExecutorOptions? options = null, RecordingNetwork? network = null,
        Parity.Storage.ContentFetcher? content = null) =>
        new(_engine, options ?? _options, NullLogger<DockerExecutor>.Instance,
            (network ?? new RecordingNetwork(new Dictionary<string, IPAddress[]>())).Network, content);

    private static ParityTask DockerTask(string image, string script = "true", object? extraConfig = null)
    {
        var config = new Dictionary<string, object?> { ["image_name"] = image };
        if (extraConfig is not null)
            foreach (var property in JsonSerializer.SerializeToElement(extraConfig).EnumerateObject())
                config[property.Name] = property.Value;
        return new ParityTask
        {
            Id = "trust-" + Guid.NewGuid().ToString("N")[..12],
            Type = TaskType.Docker,
            Config = JsonSerializer.Serialize(config),
            Environment = new TaskEnvironment
            {
                Type = "docker",
                Config = JsonSerializer.Serialize(new { command = new[] { "sh", "-c", script } }),
            },
        };
    }

    private static async Task<(ExecutionOutcome Outcome, ExecutionOutput Output)> Run(DockerExecutor executor, ParityTask task,
        CancellationToken cancellation = default)
    {
        var output = new ExecutionOutput(1 << 20);
        var outcome = await executor.ExecuteAsync(TaskRun.Of(task, 1), output, cancellation);
        return (outcome, output);
    }

    private static string FreshName(string what) => $"localtest/{what}-{Guid.NewGuid():N}:1";

    /// <summary>A new image (its own ID) from the test image, with Dockerfile-like changes; deleted after the test.</summary>
    private async Task<string> CommitImage(string name, params string[] changes)
    {
        var container = await _engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = TestEngines.DockerImage,
            Cmd = ["true"],
            HostConfig = new HostConfig { NetworkMode = "none" },
        });
        try
        {
            var colon = name.LastIndexOf(':');
            await _engine.Client.Images.CommitContainerChangesAsync(new CommitContainerChangesParameters
            {
                ContainerID = container.ID,
                RepositoryName = name[..colon],
                Tag = name[(colon + 1)..],
                Changes = [.. changes, $"LABEL parity.test.unique={Guid.NewGuid():N}"],
            });
        }
        finally
        {
            await _engine.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
        }
        _images.Add(name);
        return (await _engine.Client.Images.InspectImageAsync(name)).ID;
    }

    /// <summary><c>docker save</c> of <paramref name="name"/>, with its naming files rewritten to tag <paramref name="tags"/>.</summary>
    private async Task<byte[]> SavedTar(string name, params string[] tags)
    {
        using var saved = new MemoryStream();
        await using (var stream = await _engine.Client.Images.SaveImageAsync(name, CancellationToken.None))
            await stream.CopyToAsync(saved);
        if (tags.Length == 0) return saved.ToArray();
        saved.Position = 0;
        using var rewritten = new MemoryStream();
        await using (var reader = new TarReader(saved))
        await using (var writer = new TarWriter(rewritten, TarEntryFormat.Pax, leaveOpen: true))
        {
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                if (entry.Name is "manifest.json" or "repositories")
                {
                    var json = JsonNode.Parse(entry.DataStream!)!;
                    if (entry.Name == "manifest.json") json[0]!["RepoTags"] = new JsonArray(tags.Select(t => (JsonNode)t!).ToArray());
                    else
                    {
                        var repositories = new JsonObject();
                        var layer = json.AsObject().First().Value!.AsObject().First().Value!.GetValue<string>();
                        foreach (var tag in tags)
                        {
                            var colon = tag.LastIndexOf(':');
                            var repository = repositories[tag[..colon]] as JsonObject ?? new JsonObject();
                            repository[tag[(colon + 1)..]] = layer;
                            repositories[tag[..colon]] = repository;
                        }
                        json = repositories;
                    }
                    var bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
                    var replaced = new PaxTarEntry(TarEntryType.RegularFile, entry.Name) { DataStream = new MemoryStream(bytes) };
                    await writer.WriteEntryAsync(replaced);
                }
                else await writer.WriteEntryAsync(entry);
            }
        }
        return rewritten.ToArray();
    }

    private async Task<ImageInspectResponse?> Inspect(string name)
    {
        try
        {
            return await _engine.Client.Images.InspectImageAsync(name);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    // --- docker_image_cid ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task An_image_by_cid_is_fetched_verified_loaded_and_run_and_nothing_is_dialled()
    {
        var name = FreshName("bycid");
        await CommitImage(name);
        var tar = await SavedTar(name);
        await _engine.Client.Images.DeleteImageAsync(name, new ImageDeleteParameters());
        var blocks = new Parity.Storage.MemoryBlockstore();
        var cid = (await Parity.Storage.UnixFsImporter.ImportAsync(new MemoryStream(tar), Parity.Storage.ImportProfile.Legacy, blocks)).Root;
        var network = new RecordingNetwork(new Dictionary<string, IPAddress[]>());

        // Upstream's form: a gateway URL with the CID in it. The URL's host (the metadata address here) is never contacted.
        var (outcome, output) = await Run(Executor(network: network, content: new Parity.Storage.ContentFetcher(blocks)),
            DockerTask(name, "echo ran-from-cid", new { docker_image_url = $"http://169.254.169.254/ipfs/{cid}" }));

        Assert.True(outcome.ExitCode == 0, $"exit {outcome.ExitCode}: {output.Stderr.Text()}");
        Assert.Contains("ran-from-cid", output.Stdout.Text());
        Assert.Contains($"fetching image tar {cid} (every block verified)", output.Stderr.Text());
        Assert.Empty(network.Dialled);
    }

    [Fact]
    public async Task An_image_cid_no_source_has_fails_the_task_naming_it()
    {
        var name = FreshName("absentcid");
        var cid = Parity.Storage.Cid.Of("no such tar"u8, Parity.Storage.Multicodec.Raw, 1);
        var (outcome, output) = await Run(Executor(content: new Parity.Storage.ContentFetcher(new Parity.Storage.MemoryBlockstore())),
            DockerTask(name, "true", new { docker_image_cid = cid.ToString() }));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"docker_image_cid {cid}:", outcome.Error);
        Assert.Null(await Inspect(name));
    }

    // --- docker_image_url ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_loopback_image_url_is_refused_before_connecting_unless_the_operator_allows_it()
    {
        var name = FreshName("loopback");
        await CommitImage(name);
        var tar = await SavedTar(name);
        await _engine.Client.Images.DeleteImageAsync(name, new ImageDeleteParameters());
        await using var server = new LoopbackHttpServer().Serve("/image.tar", tar);
        var network = new RecordingNetwork(new Dictionary<string, IPAddress[]>());
        var url = server.Url + "image.tar";

        var (refused, _) = await Run(Executor(network: network), DockerTask(name, extraConfig: new { docker_image_url = url }));
        var (refusedByName, _) = await Run(Executor(network: network),
            DockerTask(name, extraConfig: new { docker_image_url = url.Replace("127.0.0.1", "localhost") }));

        Assert.Equal($"docker_image_url {url}: {RefusedLoopback}", refused.Error);
        Assert.EndsWith(RefusedLoopback, refusedByName.Error);
        Assert.Empty(server.Hits);
        Assert.Empty(network.Dialled);
        Assert.Null(await Inspect(name));

        var (allowed, output) = await Run(Executor(Allowing(_options, "127.0.0.1/32"), network),
            DockerTask(name, "echo loaded", new { docker_image_url = url }));
        Assert.Null(allowed.Error);
        Assert.Equal("loaded\n", output.Stdout.Text());
        Assert.Equal(["/image.tar"], server.Hits);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, new Uri(url).Port)], network.Dialled);
    }

    [Theory]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("100.100.100.200", "shared (CGNAT)")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("fd00:ec2::254", "unique-local")]
    [InlineData("93.184.215.14,10.0.0.1", "private")] // a public and a private answer: refused, not raced
    public async Task A_name_resolving_to_a_forbidden_address_is_refused_and_nothing_is_dialled(string addresses, string addressClass)
    {
        var network = new RecordingNetwork(new Dictionary<string, IPAddress[]>
        {
            [MadeUpHost] = addresses.Split(',').Select(IPAddress.Parse).ToArray(),
        });
        var url = $"http://{MadeUpHost}/latest/meta-data/image.tar";

        var (outcome, _) = await Run(Executor(network: network), DockerTask(FreshName("never"), extraConfig: new { docker_image_url = url }));

        Assert.Equal($"docker_image_url {url}: refused: address class {addressClass} not allowed (RUNNER_DOCKER_FETCH_ALLOW)", outcome.Error);
        Assert.Empty(network.Dialled);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://[::ffff:a9fe:a9fe]/x.tar", "link-local")]
    [InlineData("http://0.0.0.0:2375/x.tar", "unspecified")]
    [InlineData("https://192.168.0.1/x.tar", "private")]
    public async Task An_ip_literal_url_of_a_forbidden_class_is_refused_and_nothing_is_dialled(string url, string addressClass)
    {
        var network = new RecordingNetwork(new Dictionary<string, IPAddress[]>());

        var (outcome, _) = await Run(Executor(network: network), DockerTask(FreshName("never"), extraConfig: new { docker_image_url = url }));

        Assert.EndsWith($"refused: address class {addressClass} not allowed (RUNNER_DOCKER_FETCH_ALLOW)", outcome.Error);
        Assert.Empty(network.Dialled);
    }

    [Fact]
    public async Task A_redirect_from_an_allowed_server_to_a_forbidden_address_is_refused_at_the_hop()
    {
        var network = new RecordingNetwork(new Dictionary<string, IPAddress[]> { [MadeUpHost] = [IPAddress.Parse("169.254.169.254")] });
        await using var server = new LoopbackHttpServer()
            .Redirect("/by-name.tar", $"http://{MadeUpHost}/latest/meta-data/")
            .Redirect("/by-literal.tar", "http://10.0.0.1:8080/admin")
            .Redirect("/to-loopback.tar", "http://127.0.0.2:8080/");
        var executor = Executor(Allowing(_options, "127.0.0.1/32"), network);

        foreach (var (path, addressClass) in new[] { ("by-name.tar", "link-local"), ("by-literal.tar", "private"), ("to-loopback.tar", "loopback") })
        {
            var url = server.Url + path;
            var (outcome, _) = await Run(executor, DockerTask(FreshName("never"), extraConfig: new { docker_image_url = url }));
            Assert.Equal($"docker_image_url {url}: a redirect was refused: address class {addressClass} not allowed (RUNNER_DOCKER_FETCH_ALLOW)",
                outcome.Error);
        }
        Assert.Equal(["/by-name.tar", "/by-literal.tar", "/to-loopback.tar"], server.Hits);
        // Only the allowed loopback server was ever dialled: each refusal came before its hop's connection.
        Assert.NotEmpty(network.Dialled);
        Assert.All(network.Dialled, endpoint => Assert.Equal(IPAddress.Loopback, endpoint.Address));
    }

    [Fact]
    public async Task A_redirect_to_a_url_with_credentials_is_refused_and_they_are_never_echoed()
    {
        await using var server = new LoopbackHttpServer().Redirect("/creds.tar", "http://admin:hunter2@127.0.0.1:1/x.tar");
        var url = server.Url + "creds.tar";

        var (outcome, output) = await Run(Executor(Allowing(_options, "127.0.0.1/32")),
            DockerTask(FreshName("never"), extraConfig: new { docker_image_url = url }));

        Assert.Equal($"a redirect of docker_image_url {url} is refused: URLs carrying credentials (user:password@) are not followed", outcome.Error);
        Assert.DoesNotContain("hunter2", output.Stderr.Text());
    }

    [Fact]
    public async Task Upstream_failures_are_one_generic_error_so_the_runner_is_no_port_scanner()
    {
        await using var server = new LoopbackHttpServer();
        var missing = server.Url + "missing.tar";
        var closed = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}/image.tar";
        var executor = Executor(Allowing(_options, "127.0.0.1/32"));

        var (notFound, _) = await Run(executor, DockerTask(FreshName("never"), extraConfig: new { docker_image_url = missing }));
        var (refused, _) = await Run(executor, DockerTask(FreshName("never"), extraConfig: new { docker_image_url = closed }));

        // An HTTP 404 and a closed port read the same: no status, no reason, no size.
        Assert.Equal($"could not download docker_image_url {missing}: download failed (the runner's log says why)", notFound.Error);
        Assert.Equal($"could not download docker_image_url {closed}: download failed (the runner's log says why)", refused.Error);
    }

    // --- image_name registry ------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_registry_on_a_forbidden_address_is_refused_before_the_engine_is_asked_to_pull()
    {
        using var registry = new TcpListener(IPAddress.Loopback, 0);
        registry.Start();
        var port = ((IPEndPoint)registry.LocalEndpoint).Port;
        var network = new RecordingNetwork(new Dictionary<string, IPAddress[]> { ["registry.parity-test.invalid"] = [IPAddress.Parse("10.0.0.1")] });

        var (literal, output) = await Run(Executor(network: network), DockerTask($"127.0.0.1:{port}/parity/app:1"));
        var (localhost, _) = await Run(Executor(network: network), DockerTask($"localhost:{port}/parity/app:1"));
        var (byName, _) = await Run(Executor(network: network), DockerTask("registry.parity-test.invalid:5000/parity/app:1"));

        Assert.Equal($"config.image_name '127.0.0.1:{port}/parity/app:1': registry 127.0.0.1 {RefusedLoopback}", literal.Error);
        Assert.Equal($"config.image_name 'localhost:{port}/parity/app:1': registry localhost {RefusedLoopback}", localhost.Error);
        Assert.Equal("config.image_name 'registry.parity-test.invalid:5000/parity/app:1': registry registry.parity-test.invalid " +
                     "refused: address class private not allowed (RUNNER_DOCKER_FETCH_ALLOW)", byName.Error);
        Assert.DoesNotContain("pulling image", output.Stderr.Text());
        Assert.False(registry.Pending(), "the engine never dialled the loopback registry");
        Assert.Empty(network.Dialled);

        // Allowed by the operator, the engine is asked and dials it (and fails: this is no registry).
        var (allowed, _) = await Run(Executor(Allowing(_options, "127.0.0.1/32"), network), DockerTask($"127.0.0.1:{port}/parity/app:1"));
        Assert.StartsWith($"could not pull image '127.0.0.1:{port}/parity/app:1'", allowed.Error);
        Assert.True(registry.Pending(), "the engine dialled the allowed loopback registry");
    }

    // --- the tar's names and the digest pin ----------------------------------------------------------------------------

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_tar_that_would_retag_an_existing_image_is_refused_and_that_image_is_unchanged(bool alsoTagsItsOwnName)
    {
        // The existing image is one this test makes, not the shared localtest/busybox:1: were the refusal ever to
        // regress, this test must not retag an image other tests run.
        var existing = FreshName("existing");
        var before = await CommitImage(existing);
        var hostile = FreshName("hostile");
        await CommitImage(hostile);
        var task = FreshName("task");
        var tags = alsoTagsItsOwnName ? new[] { task, existing } : [existing];
        var tar = await SavedTar(hostile, tags);
        await using var server = new LoopbackHttpServer().Serve("/image.tar", tar);
        var url = server.Url + "image.tar";
        _images.Add(task);

        var (outcome, _) = await Run(Executor(Allowing(_options, "127.0.0.1/32")), DockerTask(task, extraConfig: new { docker_image_url = url }));

        Assert.StartsWith("the tar at docker_image_url tags ", outcome.Error);
        Assert.Contains($"'{existing}'", outcome.Error);
        Assert.EndsWith($"not only '{task}': a task's tar may only name the task's own image", outcome.Error);
        Assert.Equal(before, (await _engine.Client.Images.InspectImageAsync(existing)).ID);
        Assert.Null(await Inspect(task));
    }

    [Fact]
    public async Task A_tar_whose_legacy_repositories_file_names_another_image_is_refused()
    {
        var name = FreshName("legacy");
        await CommitImage(name);
        var tar = await SavedTar(name);
        // Keep manifest.json honest; point only the repositories file at the test image.
        using var rewritten = new MemoryStream();
        await using (var reader = new TarReader(new MemoryStream(tar)))
        await using (var writer = new TarWriter(rewritten, TarEntryFormat.Pax, leaveOpen: true))
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                if (entry.Name == "repositories")
                {
                    var body = Encoding.UTF8.GetBytes("""{"localtest/busybox":{"1":"x"}}""");
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "repositories") { DataStream = new MemoryStream(body) });
                }
                else await writer.WriteEntryAsync(entry);
            }
        await _engine.Client.Images.DeleteImageAsync(name, new ImageDeleteParameters());
        await using var server = new LoopbackHttpServer().Serve("/image.tar", rewritten.ToArray());

        var (outcome, _) = await Run(Executor(Allowing(_options, "127.0.0.1/32")),
            DockerTask(name, extraConfig: new { docker_image_url = server.Url + "image.tar" }));

        Assert.StartsWith("the tar at docker_image_url tags ", outcome.Error);
        Assert.Null(await Inspect(name));
    }

    [Fact]
    public async Task A_pinned_image_digest_is_verified_before_the_tar_is_loaded()
    {
        var name = FreshName("pinned");
        var id = await CommitImage(name);
        var tar = await SavedTar(name);
        await _engine.Client.Images.DeleteImageAsync(name, new ImageDeleteParameters());
        await using var server = new LoopbackHttpServer().Serve("/image.tar", tar);
        var executor = Executor(Allowing(_options, "127.0.0.1/32"));
        var wrong = "sha256:" + new string('0', 64);

        var (mismatch, _) = await Run(executor, DockerTask(name, extraConfig: new { docker_image_url = server.Url + "image.tar", image_digest = wrong }));
        Assert.Equal($"config.image_digest {wrong} does not match the tar's image (its config digest is {id})", mismatch.Error);
        Assert.Null(await Inspect(name));

        var (pinned, output) = await Run(executor,
            DockerTask(name, "echo pinned", new { docker_image_url = server.Url + "image.tar", image_digest = id }));
        Assert.Null(pinned.Error);
        Assert.Equal("pinned\n", output.Stdout.Text());
        Assert.Equal(id["sha256:".Length..], pinned.ImageHash);
    }

    [Fact]
    public async Task A_local_image_that_is_not_the_pinned_one_is_refused_not_replaced()
    {
        var id = (await _engine.Client.Images.InspectImageAsync(TestEngines.DockerImage)).ID;
        var wrong = "sha256:" + new string('e', 64);

        var (mismatch, _) = await Run(Executor(), DockerTask(TestEngines.DockerImage, extraConfig: new { image_digest = wrong }));
        var (match, output) = await Run(Executor(), DockerTask(TestEngines.DockerImage, "echo ok", new { image_digest = id }));

        Assert.Equal($"config.image_digest {wrong} does not match image '{TestEngines.DockerImage}' on this runner (image ID {id}); " +
                     "a task's image never replaces an image of the same name", mismatch.Error);
        Assert.Null(match.Error);
        Assert.Equal("ok\n", output.Stdout.Text());
    }

    // --- declared volumes and networks --------------------------------------------------------------------------------

    [Fact]
    public async Task A_declared_volume_is_a_size_limited_tmpfs_not_an_anonymous_volume()
    {
        var name = FreshName("volume");
        await CommitImage(name, "VOLUME /data");
        var options = _options with { VolumeTmpfsBytes = 2L << 20 };
        const string script = """
            grep ' /data ' /proc/mounts
            echo kept > /data/small && cat /data/small
            dd if=/dev/zero of=/data/big bs=1M count=8 || echo "volume full"
            echo started; sleep 30
            """;
        using var cancel = new CancellationTokenSource();
        var output = new ExecutionOutput(1 << 20);
        var run = Executor(options).ExecuteAsync(TaskRun.Of(DockerTask(name, script), 1), output, cancel.Token);

        await Eventually.True(() => Task.FromResult(output.Stdout.Text().Contains("started")), TimeSpan.FromSeconds(30), "container started");
        var container = Assert.Single(await _engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{DockerEngine.ClusterLabel}={_clusterId}"] = true },
            },
        }));
        await cancel.CancelAsync();
        await run;

        Assert.DoesNotContain(container.Mounts, mount => mount.Type == "volume");
        var stdout = output.Stdout.Text();
        Assert.Matches(@"tmpfs /data tmpfs rw,nosuid,nodev,.*size=2048k", stdout);
        Assert.Contains("kept\n", stdout);
        Assert.Contains("volume full", stdout);
        Assert.Contains("No space left on device", output.Stderr.Text());
    }

    [Theory]
    [InlineData("host", "config.network 'host' is never allowed")]
    [InlineData("HOST", "config.network 'host' is never allowed")]
    [InlineData("container:abc123", "config.network 'container:…' is never allowed")]
    public void Host_and_container_networks_are_refused_even_where_networking_is_allowed(string network, string expected)
    {
        // The config is parsed before any runner takes the task: RUNNER_DOCKER_ALLOW_NETWORK cannot let these through.
        var error = Assert.Throws<TaskConfigException>(() => TaskRun.Of(DockerTask(TestEngines.DockerImage, extraConfig: new { network }), 1));
        Assert.StartsWith(expected, error.Message);
    }
}
