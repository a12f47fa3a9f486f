using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Docker.DotNet;
using Microsoft.Extensions.Logging;
using Parity.Tasks;

namespace Parity.Execution.Docker;

/// <summary>
/// Runs <c>docker</c> tasks through the engine API in a default-deny sandbox: no network, memory (and swap) and CPU
/// bounded by the runner's limits, a pids limit, a read-only root with a tmpfs /tmp, a non-root user, no capabilities,
/// no-new-privileges, the engine's default seccomp profile and a bounded tmpfs over each declared VOLUME. The container
/// is removed whatever happens. The task's image input is untrusted: see <see cref="DockerImages"/>.
/// It checks the task against this runner's limits and coordinates the parts: <see cref="DockerImages"/> makes the image
/// present, <see cref="ContainerSandbox"/> creates the container, <see cref="ContainerRun"/> runs it to its end.
/// </summary>
public sealed class DockerExecutor : TaskExecutor<DockerTaskConfig>
{
    private readonly DockerEngine _engine;
    private readonly DockerExecutorOptions _options;
    private readonly ILogger<DockerExecutor> _logger;
    private readonly DockerImages _images;
    private readonly ContainerSandbox _sandbox;
    private readonly ContainerControl _control;
    private readonly ContainerRun _run;

    /// <param name="content">Where image tars given by CID come from; without it such tasks fail, saying so.</param>
    /// <param name="work">Where image tars are kept while they load; the system temp folder without it.</param>
    public DockerExecutor(DockerEngine engine, DockerExecutorOptions options, ILogger<DockerExecutor> logger,
        Parity.Storage.ContentFetcher? content = null, Parity.Hosting.SiloWorkFolder? work = null)
        : this(engine, options, logger, FetchNetwork.System, content, work)
    {
    }

    /// <summary>With the resolver and dialer downloads use: tests substitute them to see what would have been dialled.</summary>
    internal DockerExecutor(DockerEngine engine, DockerExecutorOptions options, ILogger<DockerExecutor> logger, FetchNetwork network,
        Parity.Storage.ContentFetcher? content = null, Parity.Hosting.SiloWorkFolder? work = null)
    {
        _engine = engine;
        _options = options;
        _logger = logger;
        _images = new DockerImages(engine, options, new FetchGuard(options.FetchAllow, network), content, logger,
            work?.Path ?? Path.GetTempPath());
        _control = new ContainerControl(engine, options, logger);
        _sandbox = new ContainerSandbox(engine, options, _control);
        _run = new ContainerRun(engine, options, logger);
    }

    public override TaskType Type => TaskType.Docker;

    public override bool Available => _engine.Available;

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
        if (!_engine.Available && !await _engine.RefreshAsync(cancellation))
            return Failed($"the Docker engine at {_engine.Host} is not answering (RUNNER_DOCKER_HOST)");

        string? containerId = null;
        var stopwatch = new Stopwatch();
        try
        {
            var image = await _images.PrepareAsync(config, output, cancellation);
            containerId = await _sandbox.CreateAsync(run, config, image);
            // Only now, with the id in hand for the removal below: a cancellation during the create lands here.
            cancellation.ThrowIfCancellationRequested();
            var outcome = await _run.RunAsync(task, config, containerId, output, stopwatch, cancellation);
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
            _logger.LogWarning(e, "Docker task {TaskId} failed in the engine", task.Id);
            return Failed($"docker engine error: {EngineCalls.Message(e)}", stopwatch.Elapsed);
        }
        finally
        {
            if (containerId is not null) await _control.RemoveAsync(task.Id, containerId);
        }
    }

    private void CheckAgainstRunnerLimits(DockerTaskConfig config)
    {
        if (config.Cpus > _options.CpuLimit)
            throw new TaskConfigException(string.Create(CultureInfo.InvariantCulture,
                $"config.resources.cpu {config.Cpus} exceeds this runner's limit of {_options.CpuLimit} (RUNNER_DOCKER_CPU_LIMIT)"));
        if (config.MemoryBytes > _options.MemoryLimitBytes)
            throw new TaskConfigException(
                $"config.resources.memory {ByteSize.Format(config.MemoryBytes.Value)} exceeds this runner's limit of {ByteSize.Format(_options.MemoryLimitBytes)} (RUNNER_DOCKER_MEMORY_LIMIT)");
        if (config.Network != DockerTaskConfig.NoNetwork && !_options.AllowNetwork)
            throw new TaskConfigException(
                $"config.network '{config.Network}' needs a runner that allows networking (RUNNER_DOCKER_ALLOW_NETWORK=true); this one runs containers without a network");
    }

    private static ExecutionOutcome Failed(string error, TimeSpan elapsed = default) =>
        new() { ExitCode = -1, Error = error, Elapsed = elapsed };
}
