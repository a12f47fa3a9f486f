using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;

namespace Parity.Execution.Docker;

/// <summary>
/// Stops, kills, inspects and removes a task's container. Each call has its own RUNNER_DOCKER_TIMEOUT deadline and
/// none takes the task's token: these run after the task ended or was cancelled. Failures are logged, not thrown.
/// </summary>
internal sealed class ContainerControl(DockerEngine engine, DockerExecutorOptions options, ILogger logger)
{
    /// <summary>SIGTERM, then SIGKILL after the grace period, as <c>docker stop</c> does.</summary>
    public async Task StopAsync(string taskId, string id)
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

    public async Task KillAsync(string taskId, string id)
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

    /// <summary>The container's state (exit code, OOM kill); null when the engine could not say.</summary>
    public async Task<ContainerState?> StateAsync(string id)
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
    /// <param name="id">The container's id, or its name when the id never came back.</param>
    public async Task RemoveAsync(string taskId, string id)
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
}
