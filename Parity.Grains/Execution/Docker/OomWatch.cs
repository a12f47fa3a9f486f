using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;

namespace Parity.Execution.Docker;

/// <summary>
/// Watches the engine's event stream for one container's "oom" event, from before the container starts until its
/// run is judged. The inspected <c>State.OOMKilled</c> alone is not enough: dockerd records an OOM kill when the event
/// reaches it, but clears the flag when it marks the container running (moby's State.SetRunning), and a process that
/// exceeds its limit within milliseconds (the test's dd) can be killed, and the kill recorded, before the engine's own
/// start call has got that far on a slow or freshly started machine; and under load the kernel's OOM notice reaches the
/// engine after the exit (seen here: 3 of 200 OOM kills, 16 at a time, read "137, OOMKilled false", one of them still
/// false 4 s later with its "oom" event published after "die"). The event is published in every case the engine saw.
/// </summary>
internal sealed class OomWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _watch;

    private OomWatch(DockerEngine engine, string id, ILogger logger)
    {
        var parameters = new ContainerEventsParameters
        {
            // From the engine's oldest kept event, filtered to this container: a subscription the engine registers only
            // after the container has started still replays an "oom" event published before it.
            Since = "0",
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
                ["container"] = new Dictionary<string, bool> { [id] = true },
                ["event"] = new Dictionary<string, bool> { ["oom"] = true },
            },
        };
        _watch = WatchAsync(engine, parameters, id, logger);
    }

    /// <summary>Whether the engine has reported an OOM kill in this container.</summary>
    public bool Seen => _seen.Task.IsCompleted;

    /// <summary>Waits for the "oom" event, at most <paramref name="bound"/>: it can follow the container's exit.</summary>
    public async Task<bool> WaitAsync(TimeSpan bound)
    {
        await Task.WhenAny(_seen.Task, Task.Delay(bound));
        return Seen;
    }

    public static OomWatch Start(DockerEngine engine, string id, ILogger logger) => new(engine, id, logger);

    private async Task WatchAsync(DockerEngine engine, ContainerEventsParameters parameters, string id, ILogger logger)
    {
        try
        {
            await engine.Client.System.MonitorEventsAsync(parameters, new SynchronousProgress<Message>(message =>
            {
                if (message.Action == "oom") _seen.TrySetResult();
            }), _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or DockerApiException or IOException or HttpRequestException)
        {
            // Without the stream the inspected flag still decides, as before.
            if (!_stop.IsCancellationRequested) logger.LogDebug(e, "Event stream of container {Container} ended", id[..12]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _watch.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
        }
        _stop.Dispose();
    }
}
