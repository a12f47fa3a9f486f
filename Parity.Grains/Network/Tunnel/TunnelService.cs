using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Parity.Network.Tunnel;

/// <summary>
/// Keeps the tunnel open for as long as the silo runs: opens it before the runner registers (the registration waits for
/// its URL, see <see cref="WebhookAddress"/>), publishes the public URL for <see cref="UpstreamLifecycle"/> to register,
/// and when the tunnel drops reopens it with capped exponential backoff; the (possibly new) URL is registered again.
/// An outage is one warning line when it starts and one line when it ends, and <see cref="TunnelState"/> (health)
/// says so while it lasts. The upstream started bore once and never noticed it die.
/// </summary>
public sealed class TunnelService(
    TunnelOptions options,
    UpstreamOptions upstream,
    WebhookAddress address,
    TunnelState state,
    TimeProvider clock,
    ILoggerFactory logs) : BackgroundService
{
    private readonly ILogger _logger = logs.CreateLogger<TunnelService>();

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (!options.Opens || !upstream.Enabled) return;
        // The validators made sure both are known; the tunnel forwards to where the webhook listens on this machine.
        var local = upstream.WebhookUrl!;
        var server = $"{options.ServerHost}:{ServerPort}";
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            OpenTunnel tunnel;
            try
            {
                tunnel = await OpenAsync(local, stopping);
            }
            catch (TunnelException e)
            {
                if (state.MarkDown(e.Message, clock.GetUtcNow()))
                    _logger.LogWarning("Tunnel ({Type} via {Server}) is down: {Problem}; retrying with backoff up to every {Max}",
                        Name, server, e.Message, options.MaxReconnectDelay);
                else
                    _logger.LogDebug("Tunnel ({Type} via {Server}) still down: {Problem}", Name, server, e.Message);
                failures++;
                await Delay(Backoff(failures), stopping);
                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            await using (tunnel)
            {
                var url = new UriBuilder(local) { Host = tunnel.PublicHost, Port = tunnel.PublicPort }.Uri;
                var downSince = state.DownSince;
                state.MarkUp(url);
                address.Set(url);
                failures = 0;
                if (downSince is { } since)
                    _logger.LogInformation("Tunnel ({Type} via {Server}) restored after {Outage}: webhook at {Url}",
                        Name, server, clock.GetUtcNow() - since, url);
                else
                    _logger.LogInformation("Tunnel ({Type} via {Server}) up: webhook at {Url}", Name, server, url);

                string reason;
                try
                {
                    reason = await tunnel.Closed.WaitAsync(stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                if (state.MarkDown(reason, clock.GetUtcNow()))
                    _logger.LogWarning("Tunnel ({Type} via {Server}) dropped: {Problem}; reconnecting with backoff up to every {Max}",
                        Name, server, reason, options.MaxReconnectDelay);
            }
            // Even a tunnel that drops at once is not reopened in a tight loop.
            await Delay(options.ReconnectDelay, stopping);
        }
    }

    private string Name => options.Type == TunnelType.Ssh ? "ssh" : "bore";

    private int ServerPort => options.ServerPort != 0 ? options.ServerPort
        : options.Type == TunnelType.Ssh ? TunnelOptions.SshPort : TunnelOptions.BoreControlPort;

    private Task<OpenTunnel> OpenAsync(Uri local, CancellationToken cancellation) => options.Type switch
    {
        TunnelType.Ssh => new SshTunnel(options, _logger).OpenAsync(options.RemotePort, local.IdnHost, local.Port, cancellation),
        _ => new BoreClient(options.ServerHost!, ServerPort, options.Secret, options.ConnectTimeout, _logger)
            .OpenAsync(options.RemotePort, local.IdnHost, local.Port, cancellation),
    };

    /// <summary>The first delay doubled per failure in a row, at most the maximum.</summary>
    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(options.MaxReconnectDelay.Ticks, options.ReconnectDelay.Ticks * (1L << Math.Min(failures - 1, 20))));

    private async Task Delay(TimeSpan delay, CancellationToken cancellation)
    {
        try
        {
            await Task.Delay(delay, clock, cancellation);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
