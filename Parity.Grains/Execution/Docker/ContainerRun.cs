using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Parity.Tasks;

namespace Parity.Execution.Docker;

/// <summary>
/// Runs a created container to its end: output streamed into the task's capture, resource use sampled, the run bounded
/// by its <see cref="ExecutionDeadline"/> (stopped on timeout, killed on cancel), and an OOM kill told apart from an exit.
/// </summary>
internal sealed class ContainerRun(DockerEngine engine, DockerExecutorOptions options, ILogger logger)
{
    private readonly ContainerControl _control = new(engine, options, logger);
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(2);
    /// <summary>How long an unexplained SIGKILL waits for the engine's "oom" event (it came 1-4 s late on a loaded 2-core host).</summary>
    private static readonly TimeSpan OomNoticeBound = TimeSpan.FromSeconds(10);

    /// <summary>Starts the container and waits for it; <paramref name="stopwatch"/> times the run from its start.</summary>
    public async Task<ExecutionOutcome> RunAsync(ParityTask task, DockerTaskConfig config, string id, ExecutionOutput output,
        Stopwatch stopwatch, CancellationToken cancellation)
    {
        var deadline = ExecutionDeadline.Of(config.TimeoutSeconds, options.ExecutionTimeout);

        // Attach before start so no output is missed.
        using var stream = await EngineCalls.BoundedAsync(options.EngineTimeout, "attaching to the container",
            ct => engine.Client.Containers.AttachContainerAsync(
                id, false, new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, ct), cancellation);
        var pump = PumpAsync(stream, output);
        await using var oom = OomWatch.Start(engine, id, logger);

        await EngineCalls.BoundedAsync(options.EngineTimeout, "starting the container",
            ct => engine.Client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct), cancellation);
        stopwatch.Start();

        var metrics = new ContainerMetrics();
        using var statsStop = new CancellationTokenSource();
        var stats = CollectStatsAsync(id, metrics, statsStop.Token);

        await deadline.WaitAsync(ct => engine.Client.Containers.WaitContainerAsync(id, ct), cancellation);
        if (deadline.TimedOut) await _control.StopAsync(task.Id, id);
        else if (deadline.Cancelled) await _control.KillAsync(task.Id, id);
        stopwatch.Stop();

        // The engine keeps a stats stream open (with empty samples) after the container ends: stop it now.
        await statsStop.CancelAsync();
        await Bounded(stats, DrainBound);
        await Bounded(pump, DrainBound);

        var state = await _control.StateAsync(id);
        // A SIGKILL we did not send is most likely the kernel's OOM killer, whose notice can reach the engine after the
        // exit and whose inspected flag can miss it altogether (see OomWatch): wait for the engine's "oom" event, which
        // ends the wait the moment it comes, so only a kill from elsewhere waits the whole bound. The container is
        // removed only after this: the engine drops the event of a container it no longer has.
        if (state is { ExitCode: 137, OOMKilled: false } && !deadline.Interrupted) await oom.WaitAsync(OomNoticeBound);
        var outcome = new ExecutionOutcome
        {
            Elapsed = stopwatch.Elapsed,
            CpuSeconds = metrics.CpuSeconds,
            PeakMemoryBytes = metrics.PeakMemoryBytes,
            MemoryGbHours = metrics.MemoryGbHours(stopwatch.Elapsed),
            NetworkBytes = metrics.NetworkBytes,
            StorageBytes = metrics.BlockIoBytes,
        };
        if (deadline.InterruptedOutcome(outcome) is { } interrupted) return interrupted;
        var exitCode = (int)(state?.ExitCode ?? -1);
        if (state is not null && (state.OOMKilled || oom.Seen))
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
}
