using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Parity.Configuration;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Execution.Docker;

/// <summary>The docker executor against the real test dockerd, without a silo.</summary>
public sealed class DockerExecutorTests : IAsyncLifetime, IDisposable
{
    private readonly string _clusterId = "exec-" + Guid.NewGuid().ToString("N")[..8];
    private readonly DockerEngine _engine;
    private readonly DockerExecutorOptions _options;

    public DockerExecutorTests()
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
        _engine = Engine(_options, "exec-silo");
    }

    private DockerEngine Engine(DockerExecutorOptions options, string silo) =>
        new(options, new ClusteringOptions { ClusterId = _clusterId, SiloName = silo }, NullLogger<DockerEngine>.Instance);

    private DockerExecutor Executor(DockerExecutorOptions? options = null) =>
        new(_engine, options ?? _options, NullLogger<DockerExecutor>.Instance);

    public async Task InitializeAsync() => Assert.True(await _engine.RefreshAsync(CancellationToken.None), "the test dockerd answers");

    public async Task DisposeAsync()
    {
        // Nothing a test started may outlive it, whatever the test asserted.
        Assert.Empty(await ContainersOfThisTest());
    }

    public void Dispose() => _engine.Dispose();

    private static ParityTask DockerTask(string[] command, object? extraConfig = null, string image = TestEngines.DockerImage,
        string? imageUrl = null)
    {
        var config = new Dictionary<string, object?> { ["image_name"] = image };
        if (imageUrl is not null) config["docker_image_url"] = imageUrl;
        if (extraConfig is not null)
            foreach (var property in JsonSerializer.SerializeToElement(extraConfig).EnumerateObject())
                config[property.Name] = property.Value;
        return new ParityTask
        {
            Id = "docker-" + Guid.NewGuid().ToString("N")[..12],
            Type = TaskType.Docker,
            Nonce = "abc123",
            Config = JsonSerializer.Serialize(config),
            Environment = new TaskEnvironment
            {
                Type = "docker",
                Config = JsonSerializer.Serialize(new { workdir = "/", command, env = new[] { "GREETING=hello" } }),
            },
        };
    }

    private static string[] Sh(string script) => ["sh", "-c", script];

    private async Task<(ExecutionOutcome Outcome, ExecutionOutput Output)> Run(ParityTask task, DockerExecutor? executor = null,
        int maxOutput = 1 << 20, CancellationToken cancellation = default)
    {
        var output = new ExecutionOutput(maxOutput);
        var outcome = await (executor ?? Executor()).ExecuteAsync(TaskRun.Of(task, 1), output, cancellation);
        return (outcome, output);
    }

    private async Task<IList<ContainerListResponse>> ContainersOfThisTest() =>
        await _engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{DockerEngine.ClusterLabel}={_clusterId}"] = true },
            },
        });

    [Fact]
    public async Task Runs_a_container_and_captures_stdout_and_stderr_separately()
    {
        const string script = "echo \"$GREETING from $PARITY_TASK_ID nonce=$TASK_NONCE\"; echo oops >&2";
        var task = DockerTask(Sh(script));
        var (outcome, output) = await Run(task);

        Assert.Null(outcome.Error);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal($"hello from {task.Id} nonce=abc123\n", output.Stdout.Text());
        Assert.Equal("oops\n", output.Stderr.Text());

        var image = await _engine.Client.Images.InspectImageAsync(TestEngines.DockerImage);
        Assert.Equal(image.ID["sha256:".Length..], outcome.ImageHash);
        var commandHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("sh -c " + script)));
        Assert.Equal(commandHash, outcome.CommandHash);
    }

    [Fact]
    public async Task A_non_zero_exit_is_the_tasks_exit_code_not_an_executor_error()
    {
        var (outcome, _) = await Run(DockerTask(Sh("exit 3")));

        Assert.Equal(3, outcome.ExitCode);
        Assert.Null(outcome.Error);
        Assert.False(outcome.Succeeded);
    }

    [Fact]
    public async Task The_sandbox_is_non_root_without_capabilities_network_or_a_writable_root()
    {
        const string probe = """
            id -u; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
            echo data > /tmp/scratch && cat /tmp/scratch
            echo evil > /evil || echo "root write refused"
            nc -w 2 1.1.1.1 80 </dev/null || echo "network refused"
            """;
        var (outcome, output) = await Run(DockerTask(Sh(probe)));

        var stdout = output.Stdout.Text();
        Assert.Equal(0, outcome.ExitCode);
        Assert.StartsWith("65534\n", stdout);
        Assert.Matches(@"CapEff:\s+0000000000000000", stdout);
        Assert.Matches(@"NoNewPrivs:\s+1", stdout);
        // 2 = a seccomp filter is installed: the engine's default profile, never replaced by a weaker one.
        Assert.Matches(@"Seccomp:\s+2", stdout);
        Assert.Contains("data\n", stdout);
        Assert.Contains("root write refused", stdout);
        Assert.Contains("Read-only file system", output.Stderr.Text());
        Assert.Contains("network refused", stdout);
        Assert.Contains("Network is unreachable", output.Stderr.Text());
    }

    /// <summary>
    /// The container is made without a network by its own settings, read back from the engine: the test engine runs
    /// with --bridge=none, so "no network" seen from inside would hold even if the executor stopped asking for it.
    /// </summary>
    [Fact]
    public async Task The_engine_holds_the_container_as_network_none_and_network_disabled()
    {
        using var cancel = new CancellationTokenSource();
        var output = new ExecutionOutput(1 << 20);
        var run = Executor().ExecuteAsync(TaskRun.Of(DockerTask(Sh("echo started; sleep 60")), 1), output, cancel.Token);
        ContainerInspectResponse inspected;
        try
        {
            await Eventually.True(() => Task.FromResult(output.Stdout.Text().Contains("started")), TimeSpan.FromSeconds(30), "container started");
            var container = Assert.Single(await ContainersOfThisTest());
            inspected = await _engine.Client.Containers.InspectContainerAsync(container.ID);
        }
        finally
        {
            await cancel.CancelAsync();
            await run;
        }

        Assert.Equal("none", inspected.HostConfig.NetworkMode);
        Assert.True(inspected.Config.NetworkDisabled);
        // Disabled networking attaches the container to no network at all, not even "none".
        Assert.Empty(inspected.NetworkSettings.Networks);
    }

    [Fact]
    public async Task A_task_asking_for_a_network_fails_on_a_runner_that_does_not_allow_one()
    {
        var (outcome, _) = await Run(DockerTask(Sh("true"), new { network = "bridge" }));

        Assert.Equal(-1, outcome.ExitCode);
        Assert.Contains("RUNNER_DOCKER_ALLOW_NETWORK=true", outcome.Error);
    }

    [Fact]
    public async Task Resources_above_the_runners_limits_are_refused_naming_the_limit()
    {
        var (memory, _) = await Run(DockerTask(Sh("true"), new { resources = new { memory = "1g" } }));
        var (cpu, _) = await Run(DockerTask(Sh("true"), new { resources = new { cpu = 4 } }));

        Assert.Equal("config.resources.memory 1 GiB exceeds this runner's limit of 256 MiB (RUNNER_DOCKER_MEMORY_LIMIT)", memory.Error);
        Assert.Equal("config.resources.cpu 4 exceeds this runner's limit of 1 (RUNNER_DOCKER_CPU_LIMIT)", cpu.Error);
    }

    [Fact]
    public async Task A_run_past_its_timeout_is_stopped_then_killed_and_reported_with_the_limit()
    {
        var task = DockerTask(["sleep", "60"], new { timeout_seconds = 1 });
        var (outcome, _) = await Run(task);

        Assert.True(outcome.TimedOut);
        Assert.Equal(-1, outcome.ExitCode);
        Assert.Equal("task execution exceeded timeout of 1 s (config.timeout_seconds)", outcome.Error);
    }

    [Fact]
    public async Task The_runner_execution_timeout_applies_when_the_task_sets_none()
    {
        var (outcome, _) = await Run(DockerTask(["sleep", "60"]), Executor(_options with { ExecutionTimeout = TimeSpan.FromSeconds(1) }));

        Assert.Equal("task execution exceeded timeout of 1 s (RUNNER_EXECUTION_TIMEOUT)", outcome.Error);
    }

    [Fact]
    public async Task Exceeding_the_memory_limit_fails_with_out_of_memory()
    {
        // dd allocates its 64 MiB block: with memory+swap capped at 16 MiB the kernel kills it.
        var task = DockerTask(Sh("dd if=/dev/zero of=/dev/null bs=64M count=1"), new { resources = new { memory = "16m" } });
        var (outcome, _) = await Run(task);

        Assert.Equal("out of memory (limit 16 MiB, config.resources.memory)", outcome.Error);
        Assert.Equal(137, outcome.ExitCode);
    }

    [Fact]
    public async Task A_fork_bomb_is_contained_by_the_pids_limit()
    {
        var task = DockerTask(Sh("bomb() { bomb | bomb & }; bomb; sleep 2; echo survived"), new { timeout_seconds = 10 });
        var (outcome, output) = await Run(task);

        Assert.Contains("can't fork", output.Stderr.Text());
        Assert.True(outcome.TimedOut || outcome.ExitCode != -1, outcome.Error);

        // The machine is fine afterwards: the next container runs normally.
        var (next, nextOutput) = await Run(DockerTask(Sh("echo fine")));
        Assert.Equal(0, next.ExitCode);
        Assert.Equal("fine\n", nextOutput.Stdout.Text());
    }

    [Fact]
    public async Task Cancel_mid_run_kills_and_removes_the_container()
    {
        using var cancel = new CancellationTokenSource();
        var task = DockerTask(Sh("echo started; sleep 60"));
        var output = new ExecutionOutput(1 << 20);
        var run = Executor().ExecuteAsync(TaskRun.Of(task, 1), output, cancel.Token);

        await Eventually.True(() => Task.FromResult(output.Stdout.Text().Contains("started")), TimeSpan.FromSeconds(30), "container started");
        Assert.Single(await ContainersOfThisTest());
        await cancel.CancelAsync();
        var outcome = await run;

        Assert.True(outcome.Cancelled);
        Assert.Equal("task was cancelled", outcome.Error);
        Assert.Empty(await ContainersOfThisTest());
    }

    [Fact]
    public async Task A_cancel_landing_while_the_engine_creates_the_container_still_removes_it()
    {
        // A stopping silo (or a user's cancel) cancels the run just as the engine has made the container but before its
        // answer, with the id, is read: the container must not outlive the run.
        await using var hold = new CreateAnswerHold(TestEngines.Docker);
        var options = new DockerExecutorOptions
        {
            Host = hold.Host,
            CpuLimit = _options.CpuLimit,
            MemoryLimitBytes = _options.MemoryLimitBytes,
            PidsLimit = _options.PidsLimit,
            EngineTimeout = _options.EngineTimeout,
            ExecutionTimeout = _options.ExecutionTimeout,
            StopGrace = _options.StopGrace,
        };
        using var engine = Engine(options, "exec-silo");
        Assert.True(await engine.RefreshAsync(CancellationToken.None), "the engine answers through the relay");
        var executor = new DockerExecutor(engine, options, NullLogger<DockerExecutor>.Instance);
        var task = DockerTask(Sh("echo running; sleep 60"));
        using var cancel = new CancellationTokenSource();

        var run = executor.ExecuteAsync(TaskRun.Of(task, 1), new ExecutionOutput(1 << 20), cancel.Token);
        await hold.Held.WaitAsync(TimeSpan.FromSeconds(30));
        var created = Assert.Single(await ContainersOfThisTest());
        Assert.Equal(task.Id, created.Labels[DockerEngine.TaskLabel]);
        await cancel.CancelAsync();
        // The answer comes only after the cancel, as it does when a loaded host reads it late.
        hold.Release();
        var outcome = await run;

        Assert.True(outcome.Cancelled);
        Assert.Equal("task was cancelled", outcome.Error);
        Assert.Empty(await ContainersOfThisTest());
    }

    [Fact]
    public async Task The_container_is_labelled_with_the_attempt_the_runner_was_given()
    {
        // A container found after a crash is matched to its attempt by this label: it must be the dispatched attempt,
        // not a number the task record held before dispatch.
        using var cancel = new CancellationTokenSource();
        var output = new ExecutionOutput(1 << 20);
        var run = Executor().ExecuteAsync(TaskRun.Of(DockerTask(Sh("echo started; sleep 60")), 7), output, cancel.Token);

        await Eventually.True(() => Task.FromResult(output.Stdout.Text().Contains("started")), TimeSpan.FromSeconds(30), "container started");
        var container = Assert.Single(await ContainersOfThisTest());
        await cancel.CancelAsync();
        await run;

        Assert.Equal("7", container.Labels[DockerEngine.AttemptLabel]);
    }

    [Fact]
    public async Task Output_is_capped_and_the_truncation_marked()
    {
        var (outcome, output) = await Run(DockerTask(Sh("yes | head -c 200000")), maxOutput: 4096);

        Assert.Equal(0, outcome.ExitCode);
        Assert.True(output.Stdout.Truncated);
        Assert.Equal(200000 - 4096, output.Stdout.DiscardedBytes);
    }

    [Fact]
    public async Task Engine_stats_become_cpu_seconds_and_memory_figures()
    {
        // About two seconds of busy shell arithmetic, so the engine's once-a-second stats see it.
        var (outcome, _) = await Run(DockerTask(Sh("end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do :; done")));

        Assert.Equal(0, outcome.ExitCode);
        Assert.True(outcome.CpuSeconds > 0.2, $"cpu seconds {outcome.CpuSeconds}");
        Assert.True(outcome.PeakMemoryBytes > 0);
        Assert.True(outcome.MemoryGbHours > 0);
    }

    [Fact]
    public async Task A_missing_image_that_cannot_be_pulled_gives_a_clear_error()
    {
        var (outcome, output) = await Run(DockerTask(Sh("true"), image: "localtest/no-such-image:1"));

        Assert.Equal(-1, outcome.ExitCode);
        Assert.StartsWith("could not pull image 'localtest/no-such-image:1': ", outcome.Error);
        Assert.Contains("[parity] pulling image localtest/no-such-image:1", output.Stderr.Text());
    }

    [Fact]
    public async Task An_unreachable_image_url_gives_a_clear_error()
    {
        var url = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}/image.tar";
        var allowed = _options with { FetchAllow = FetchAddressPolicy.Parse("127.0.0.1/32") };
        var (outcome, _) = await Run(DockerTask(Sh("true"), image: "localtest/not-here:1", imageUrl: url), Executor(allowed));

        Assert.Equal($"could not download docker_image_url {url}: download failed (the runner's log says why)", outcome.Error);
    }

    [Fact]
    public async Task An_image_is_loaded_from_a_docker_save_tar_at_the_url()
    {
        var name = $"localtest/from-url-{Guid.NewGuid():N}";
        await _engine.Client.Images.TagImageAsync(TestEngines.DockerImage, new ImageTagParameters { RepositoryName = name, Tag = "1" });
        byte[] tar;
        await using (var saved = await _engine.Client.Images.SaveImageAsync($"{name}:1", CancellationToken.None))
        using (var buffer = new MemoryStream())
        {
            await saved.CopyToAsync(buffer);
            tar = buffer.ToArray();
        }
        await _engine.Client.Images.DeleteImageAsync($"{name}:1", new ImageDeleteParameters());

        await using var server = ImageServer.Serve(tar);
        // The test server is on loopback, which a task may reach only where the operator allows it.
        var executor = Executor(_options with { FetchAllow = FetchAddressPolicy.Parse("127.0.0.1/32") });
        try
        {
            var (outcome, output) = await Run(DockerTask(Sh("echo loaded"), image: $"{name}:1", imageUrl: server.Url + "image.tar"), executor);
            Assert.Null(outcome.Error);
            Assert.Equal("loaded\n", output.Stdout.Text());
            Assert.Contains($"[parity] downloading image tar from {server.Url}image.tar", output.Stderr.Text());

            var (missing, _) = await Run(DockerTask(Sh("true"), image: "localtest/other:1", imageUrl: server.Url + "image.tar"), executor);
            Assert.Equal($"the tar at docker_image_url tags '{name}:1', not only 'localtest/other:1': a task's tar may only name the task's own image",
                missing.Error);

            var (notFound, _) = await Run(DockerTask(Sh("true"), image: "localtest/other:1", imageUrl: server.Url + "missing.tar"), executor);
            Assert.Equal($"could not download docker_image_url {server.Url}missing.tar: download failed (the runner's log says why)", notFound.Error);
        }
        finally
        {
            await _engine.Client.Images.DeleteImageAsync($"{name}:1", new ImageDeleteParameters());
        }
    }

    [Fact]
    public async Task Orphans_of_this_silo_are_removed_and_other_silos_containers_are_left_alone()
    {
        var other = Engine(_options, "other-silo");
        var ownId = await CreateSleeper(_engine.Labels("crashed-task", 1));
        var othersId = await CreateSleeper(other.Labels("someone-elses-task", 1));
        try
        {
            Assert.Equal(1, await _engine.RemoveOrphansAsync(CancellationToken.None));

            var remaining = (await ContainersOfThisTest()).Select(c => c.ID).ToList();
            Assert.DoesNotContain(ownId, remaining);
            Assert.Contains(othersId, remaining);
        }
        finally
        {
            await _engine.Client.Containers.RemoveContainerAsync(othersId, new ContainerRemoveParameters { Force = true });
            other.Dispose();
        }
    }

    [Fact]
    public async Task A_runner_whose_engine_is_down_is_not_available_and_says_why()
    {
        using var down = Engine(_options with { Host = new Uri("unix:///tmp/parity-no-such-docker.sock") }, "down-silo");
        Assert.False(await down.RefreshAsync(CancellationToken.None));

        var executor = new DockerExecutor(down, _options, NullLogger<DockerExecutor>.Instance);
        Assert.False(executor.Available);
        var outcome = await executor.ExecuteAsync(TaskRun.Of(DockerTask(Sh("true")), 1), new ExecutionOutput(1024), CancellationToken.None);
        Assert.Equal("the Docker engine at unix:///tmp/parity-no-such-docker.sock is not answering (RUNNER_DOCKER_HOST)", outcome.Error);
    }

    private async Task<string> CreateSleeper(IDictionary<string, string> labels)
    {
        var created = await _engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = TestEngines.DockerImage,
            Cmd = ["sleep", "300"],
            Labels = labels,
            HostConfig = new HostConfig { NetworkMode = "none" },
        });
        await _engine.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        return created.ID;
    }

    /// <summary>A one-file HTTP server on loopback: /image.tar is the tar, anything else 404.</summary>
    private sealed class ImageServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        private ImageServer(byte[] tar)
        {
            Url = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }
                    if (context.Request.Url!.AbsolutePath == "/image.tar")
                    {
                        context.Response.ContentLength64 = tar.Length;
                        await context.Response.OutputStream.WriteAsync(tar);
                    }
                    else context.Response.StatusCode = 404;
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }

        public static ImageServer Serve(byte[] tar) => new(tar);

        public async ValueTask DisposeAsync()
        {
            // Close alone: Stop then Close registers the prefix again to remove it, which fails when the port was taken meanwhile.
            _listener.Close();
            await _loop;
        }
    }
}
