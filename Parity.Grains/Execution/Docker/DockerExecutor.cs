using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Parity.Tasks;

namespace Parity.Execution.Docker;

/// <summary>
/// Runs <c>docker</c> tasks through the engine API in a default-deny sandbox: no network, memory (and swap) and CPU
/// bounded by the runner's limits, a pids limit, a read-only root with a tmpfs /tmp, a non-root user, no capabilities,
/// no-new-privileges and the engine's default seccomp profile. The container is removed whatever happens.
/// </summary>
public sealed class DockerExecutor(DockerEngine engine, DockerExecutorOptions options, ILogger<DockerExecutor> logger)
    : TaskExecutor<DockerTaskConfig>
{
    private static readonly HttpClient Downloads = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);

    public override TaskType Type => TaskType.Docker;

    public override bool Available => engine.Available;

    protected override async Task<ExecutionOutcome> ExecuteAsync(TaskRun run, DockerTaskConfig config, ExecutionOutput output,
        CancellationToken cancellation)
    {
        var task = run.Task;
        try
        {
            CheckAgainstRunnerLimits(config);
        }
        catch (TaskConfigException e)
        {
            return Failed(e.Message);
        }
        if (!engine.Available && !await engine.RefreshAsync(cancellation))
            return Failed($"the Docker engine at {engine.Host} is not answering (RUNNER_DOCKER_HOST)");

        string? containerId = null;
        var stopwatch = new Stopwatch();
        try
        {
            var image = await PrepareImageAsync(config, output, cancellation);
            containerId = await CreateContainerAsync(run, config, image, cancellation);
            var outcome = await RunAsync(task, config, containerId, output, stopwatch, cancellation);
            return outcome with
            {
                ImageHash = image.ID.StartsWith("sha256:", StringComparison.Ordinal) ? image.ID["sha256:".Length..] : image.ID,
                CommandHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(' ', config.Command)))),
            };
        }
        catch (DockerTaskException e)
        {
            return Failed(e.Message, stopwatch.Elapsed);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return Failed("task was cancelled", stopwatch.Elapsed) with { Cancelled = true };
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException)
        {
            logger.LogWarning(e, "Docker task {TaskId} failed in the engine", task.Id);
            return Failed($"docker engine error: {EngineMessage(e)}", stopwatch.Elapsed);
        }
        finally
        {
            if (containerId is not null) await RemoveContainerAsync(task.Id, containerId);
        }
    }

    private void CheckAgainstRunnerLimits(DockerTaskConfig config)
    {
        if (config.Cpus > options.CpuLimit)
            throw new TaskConfigException(string.Create(CultureInfo.InvariantCulture,
                $"config.resources.cpu {config.Cpus} exceeds this runner's limit of {options.CpuLimit} (RUNNER_DOCKER_CPU_LIMIT)"));
        if (config.MemoryBytes > options.MemoryLimitBytes)
            throw new TaskConfigException(
                $"config.resources.memory {ByteSize.Format(config.MemoryBytes.Value)} exceeds this runner's limit of {ByteSize.Format(options.MemoryLimitBytes)} (RUNNER_DOCKER_MEMORY_LIMIT)");
        if (config.Network != DockerTaskConfig.NoNetwork && !options.AllowNetwork)
            throw new TaskConfigException(
                $"config.network '{config.Network}' needs a runner that allows networking (RUNNER_DOCKER_ALLOW_NETWORK=true); this one runs containers without a network");
    }

    // ---- image ---------------------------------------------------------------------------------------------------

    private async Task<ImageInspectResponse> PrepareImageAsync(DockerTaskConfig config, ExecutionOutput output, CancellationToken cancellation)
    {
        if (await InspectImageAsync(config.ImageName, cancellation) is { } local) return local;

        if (config.ImageUrl is { } url)
        {
            var loaded = await LoadFromUrlAsync(url, output, cancellation);
            return await InspectImageAsync(config.ImageName, cancellation)
                   ?? throw new DockerTaskException(
                       $"the tar at docker_image_url {url} holds no image named '{config.ImageName}' (it loaded: {(loaded.Count == 0 ? "nothing" : string.Join(", ", loaded))})");
        }

        await PullAsync(config, output, cancellation);
        return await InspectImageAsync(config.ImageName, cancellation)
               ?? throw new DockerTaskException($"image '{config.ImageName}' is missing after the pull reported success");
    }

    private async Task<ImageInspectResponse?> InspectImageAsync(string name, CancellationToken cancellation)
    {
        try
        {
            return await EngineAsync($"inspecting image '{name}'", ct => engine.Client.Images.InspectImageAsync(name, ct), cancellation);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    private async Task PullAsync(DockerTaskConfig config, ExecutionOutput output, CancellationToken cancellation)
    {
        var (repository, tag) = config.PullReference();
        Note(output, $"pulling image {config.ImageName}");
        string? error = null;
        var lastProgress = DateTime.MinValue;
        var progress = new SynchronousProgress<JSONMessage>(message =>
        {
            if (message.Error is { } failure) error = failure.Message ?? message.ErrorMessage;
            else if (!string.IsNullOrEmpty(message.ErrorMessage)) error = message.ErrorMessage;
            else if (message.Progress is { Total: > 0 } bytes)
            {
                if (DateTime.UtcNow - lastProgress < ProgressEvery) return;
                lastProgress = DateTime.UtcNow;
                Note(output, $"{message.ID}: {message.Status} {ByteSize.Format(bytes.Current)} of {ByteSize.Format(bytes.Total)}");
            }
            else if (!string.IsNullOrEmpty(message.Status))
                Note(output, string.IsNullOrEmpty(message.ID) ? message.Status : $"{message.ID}: {message.Status}");
        });
        try
        {
            await EngineAsync($"pulling image '{config.ImageName}'", async ct =>
            {
                await engine.Client.Images.CreateImageAsync(
                    new ImagesCreateParameters { FromImage = repository, Tag = tag }, null, progress, ct);
                return true;
            }, cancellation);
        }
        catch (DockerApiException e)
        {
            error = EngineMessage(e);
        }
        if (error is not null)
            throw new DockerTaskException($"could not pull image '{config.ImageName}': {error}");
    }

    private async Task<List<string>> LoadFromUrlAsync(Uri url, ExecutionOutput output, CancellationToken cancellation)
    {
        Note(output, $"downloading image tar from {url}");
        var file = Path.Combine(Path.GetTempPath(), $"parity-image-{Guid.NewGuid():N}.tar");
        try
        {
            var bytes = await EngineAsync($"downloading docker_image_url {url}",
                ct => DownloadAsync(url, file, output, ct), cancellation);
            Note(output, $"loading image tar ({ByteSize.Format(bytes)})");
            var loaded = new List<string>();
            string? error = null;
            var progress = new SynchronousProgress<JSONMessage>(message =>
            {
                if (message.Error is { } failure) error = failure.Message ?? message.ErrorMessage;
                else if (message.Stream?.Trim() is { Length: > 0 } line)
                {
                    Note(output, line);
                    foreach (var prefix in new[] { "Loaded image: ", "Loaded image ID: " })
                        if (line.StartsWith(prefix, StringComparison.Ordinal)) loaded.Add(line[prefix.Length..]);
                }
            });
            await using (var tar = File.OpenRead(file))
            {
                try
                {
                    await EngineAsync("loading the image tar", async ct =>
                    {
                        await engine.Client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = false }, tar, progress, ct);
                        return true;
                    }, cancellation);
                }
                catch (DockerApiException e)
                {
                    error = EngineMessage(e);
                }
            }
            if (error is not null)
                throw new DockerTaskException($"the engine could not load the image tar from docker_image_url {url}: {error}");
            return loaded;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<long> DownloadAsync(Uri url, string file, ExecutionOutput output, CancellationToken cancellation)
    {
        HttpResponseMessage response;
        try
        {
            response = await Downloads.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation);
        }
        catch (HttpRequestException e)
        {
            throw new DockerTaskException($"could not download docker_image_url {url}: {e.Message}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new DockerTaskException(
                    $"could not download docker_image_url {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            if (response.Content.Headers.ContentLength > options.MaxImageBytes)
                throw TooLarge(url);
            await using var body = await response.Content.ReadAsStreamAsync(cancellation);
            await using var target = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            long total = 0;
            var lastProgress = DateTime.UtcNow;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
            {
                total += read;
                if (total > options.MaxImageBytes) throw TooLarge(url);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellation);
                if (DateTime.UtcNow - lastProgress >= ProgressEvery)
                {
                    lastProgress = DateTime.UtcNow;
                    Note(output, $"downloaded {ByteSize.Format(total)}");
                }
            }
            return total;
        }
    }

    private DockerTaskException TooLarge(Uri url) =>
        new($"docker_image_url {url} is larger than this runner's limit of {ByteSize.Format(options.MaxImageBytes)} (RUNNER_DOCKER_MAX_IMAGE_SIZE)");

    // ---- container -----------------------------------------------------------------------------------------------

    private async Task<string> CreateContainerAsync(TaskRun run, DockerTaskConfig config, ImageInspectResponse image,
        CancellationToken cancellation)
    {
        var task = run.Task;
        var memory = config.MemoryBytes ?? options.MemoryLimitBytes;
        var cpus = config.Cpus ?? options.CpuLimit;
        var parameters = new CreateContainerParameters
        {
            Name = $"parity-{SafeName.Of(task.Id)}-{Guid.NewGuid().ToString("N")[..8]}",
            // The inspected id, not the name: the name could be re-tagged between inspect and create.
            Image = image.ID,
            Cmd = config.Command.Count > 0 ? config.Command.ToList() : null,
            Env = [.. config.Env, $"TASK_NONCE={task.Nonce}", $"PARITY_TASK_ID={task.Id}"],
            WorkingDir = config.WorkingDir,
            User = options.User,
            Labels = engine.Labels(run.Task.Id, run.Attempt),
            AttachStdout = true,
            AttachStderr = true,
            Tty = false,
            OpenStdin = false,
            NetworkDisabled = config.Network == DockerTaskConfig.NoNetwork,
            HostConfig = new HostConfig
            {
                NetworkMode = config.Network,
                Memory = memory,
                MemorySwap = memory,
                NanoCPUs = (long)(cpus * 1e9),
                PidsLimit = options.PidsLimit,
                ReadonlyRootfs = true,
                Tmpfs = new Dictionary<string, string>
                {
                    ["/tmp"] = string.Create(CultureInfo.InvariantCulture, $"rw,nosuid,nodev,mode=1777,size={options.TmpfsBytes}"),
                },
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
                // Output is read from the attach stream; the engine keeps no log file a task could fill the disk with.
                LogConfig = new LogConfig { Type = "none" },
            },
        };
        var created = await EngineAsync("creating the container",
            ct => engine.Client.Containers.CreateContainerAsync(parameters, ct), cancellation);
        return created.ID;
    }

    private async Task<ExecutionOutcome> RunAsync(ParityTask task, DockerTaskConfig config, string id, ExecutionOutput output,
        Stopwatch stopwatch, CancellationToken cancellation)
    {
        var (timeout, timeoutSource) = config.TimeoutSeconds is { } own && TimeSpan.FromSeconds(own) < options.ExecutionTimeout
            ? (TimeSpan.FromSeconds(own), "config.timeout_seconds")
            : (options.ExecutionTimeout, "RUNNER_EXECUTION_TIMEOUT");

        // Attach before start so no output is missed.
        using var stream = await EngineAsync("attaching to the container", ct => engine.Client.Containers.AttachContainerAsync(
            id, false, new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, ct), cancellation);
        var pump = PumpAsync(stream, output);

        await EngineAsync("starting the container", ct => engine.Client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct),
            cancellation);
        stopwatch.Start();

        var metrics = new ContainerMetrics();
        using var statsStop = new CancellationTokenSource();
        var stats = CollectStatsAsync(id, metrics, statsStop.Token);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        bool timedOut = false, cancelled = false;
        try
        {
            await engine.Client.Containers.WaitContainerAsync(id, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            cancelled = cancellation.IsCancellationRequested;
            timedOut = !cancelled;
        }

        if (timedOut) await StopAsync(task.Id, id);
        else if (cancelled) await KillAsync(task.Id, id);
        stopwatch.Stop();

        // The engine keeps a stats stream open (with empty samples) after the container ends: stop it now.
        await statsStop.CancelAsync();
        await Bounded(stats, DrainBound);
        await Bounded(pump, DrainBound);

        var state = await StateAsync(id);
        // The engine learns of an OOM kill from a separate event that can arrive just after the exit: a SIGKILL we did
        // not send gets a moment for the flag to settle.
        for (var wait = 0; state is { ExitCode: 137, OOMKilled: false } && !timedOut && !cancelled && wait < 10; wait++)
        {
            await Task.Delay(100, CancellationToken.None);
            state = await StateAsync(id);
        }
        var outcome = new ExecutionOutcome
        {
            Elapsed = stopwatch.Elapsed,
            CpuSeconds = metrics.CpuSeconds,
            PeakMemoryBytes = metrics.PeakMemoryBytes,
            MemoryGbHours = metrics.MemoryGbHours(stopwatch.Elapsed),
            NetworkBytes = metrics.NetworkBytes,
            StorageBytes = metrics.BlockIoBytes,
        };
        if (timedOut)
        {
            var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            return outcome with { ExitCode = -1, TimedOut = true, Error = $"task execution exceeded timeout of {seconds} s ({timeoutSource})" };
        }
        if (cancelled) return outcome with { ExitCode = -1, Cancelled = true, Error = "task was cancelled" };
        var exitCode = (int)(state?.ExitCode ?? -1);
        if (state?.OOMKilled == true)
        {
            var limit = ByteSize.Format(config.MemoryBytes ?? options.MemoryLimitBytes);
            var source = config.MemoryBytes is null ? "RUNNER_DOCKER_MEMORY_LIMIT" : "config.resources.memory";
            return outcome with { ExitCode = exitCode, Error = $"out of memory (limit {limit}, {source})" };
        }
        return outcome with { ExitCode = exitCode };
    }

    private static async Task PumpAsync(MultiplexedStream stream, ExecutionOutput output)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, CancellationToken.None);
                if (read.EOF) return;
                var capture = read.Target == MultiplexedStream.TargetStream.StandardError ? output.Stderr : output.Stdout;
                capture.Append(buffer.AsSpan(0, read.Count));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The stream was closed under us after the container ended; what arrived is kept.
        }
    }

    private async Task CollectStatsAsync(string id, ContainerMetrics metrics, CancellationToken cancellation)
    {
        try
        {
            await engine.Client.Containers.GetContainerStatsAsync(id, new ContainerStatsParameters { Stream = true },
                new SynchronousProgress<ContainerStatsResponse>(metrics.Add), cancellation);
        }
        catch (Exception e) when (e is OperationCanceledException or DockerApiException or IOException or HttpRequestException)
        {
            logger.LogDebug(e, "Stats stream of container {Container} ended", id[..12]);
        }
    }

    /// <summary>SIGTERM, then SIGKILL after the grace period, as <c>docker stop</c> does.</summary>
    private async Task StopAsync(string taskId, string id)
    {
        try
        {
            using var bounded = new CancellationTokenSource(options.EngineTimeout);
            await engine.Client.Containers.StopContainerAsync(id,
                new ContainerStopParameters { WaitBeforeKillSeconds = (uint)options.StopGrace.TotalSeconds }, bounded.Token);
        }
        catch (Exception e) when (e is DockerApiException or OperationCanceledException or IOException or HttpRequestException)
        {
            logger.LogWarning(e, "Stopping the container of task {TaskId} failed; killing it", taskId);
            await KillAsync(taskId, id);
        }
    }

    private async Task KillAsync(string taskId, string id)
    {
        try
        {
            using var bounded = new CancellationTokenSource(options.EngineTimeout);
            await engine.Client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "SIGKILL" }, bounded.Token);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (Exception e) when (e is DockerApiException or OperationCanceledException or IOException or HttpRequestException)
        {
            // 409: it had already exited.
            logger.LogDebug(e, "Killing the container of task {TaskId}: {Error}", taskId, e.Message);
        }
    }

    private async Task<ContainerState?> StateAsync(string id)
    {
        try
        {
            using var bounded = new CancellationTokenSource(options.EngineTimeout);
            return (await engine.Client.Containers.InspectContainerAsync(id, bounded.Token)).State;
        }
        catch (Exception e) when (e is DockerApiException or OperationCanceledException or IOException or HttpRequestException)
        {
            logger.LogWarning(e, "Could not inspect container {Container}", id[..12]);
            return null;
        }
    }

    /// <summary>Always, with its own deadline: cancellation of the task must not leave the container behind.</summary>
    private async Task RemoveContainerAsync(string taskId, string id)
    {
        try
        {
            using var bounded = new CancellationTokenSource(options.EngineTimeout);
            await engine.Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true },
                bounded.Token);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (Exception e) when (e is DockerApiException or OperationCanceledException or IOException or HttpRequestException)
        {
            logger.LogWarning(e, "Could not remove container {Container} of task {TaskId}; the silo removes it at its next start",
                id[..12], taskId);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /// <summary>Runs one engine operation under RUNNER_DOCKER_TIMEOUT; exceeding it is a task error naming the limit.</summary>
    private async Task<T> EngineAsync<T>(string what, Func<CancellationToken, Task<T>> operation, CancellationToken cancellation)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        bounded.CancelAfter(options.EngineTimeout);
        try
        {
            return await operation(bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            var seconds = options.EngineTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            throw new DockerTaskException($"{what} exceeded the engine timeout of {seconds} s (RUNNER_DOCKER_TIMEOUT)");
        }
    }

    private static async Task Bounded(Task task, TimeSpan bound)
    {
        try
        {
            await task.WaitAsync(bound);
        }
        catch (TimeoutException)
        {
        }
    }

    private static void Note(ExecutionOutput output, string line) => output.Stderr.Append(Encoding.UTF8.GetBytes($"[parity] {line}\n"));

    /// <summary>The engine's own message from an API error body (<c>{"message": "..."}</c>), else the exception's.</summary>
    private static string EngineMessage(Exception e)
    {
        if (e is DockerApiException { ResponseBody: { Length: > 0 } body })
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                    return text;
            }
            catch (JsonException)
            {
            }
            return body.Trim();
        }
        return e.Message;
    }

    private static ExecutionOutcome Failed(string error, TimeSpan elapsed = default) =>
        new() { ExitCode = -1, Error = error, Elapsed = elapsed };

    /// <summary>A failure with a message meant for the task's error field.</summary>
    private sealed class DockerTaskException(string message) : Exception(message);
}
