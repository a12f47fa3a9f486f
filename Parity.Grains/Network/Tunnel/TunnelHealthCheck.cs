using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Parity.Network.Tunnel;

/// <summary>Unhealthy while the tunnel is down: the server's pushes cannot reach this runner (its polls still can).</summary>
public sealed class TunnelHealthCheck(TunnelOptions options, TunnelState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!options.Opens ? HealthCheckResult.Healthy("no tunnel")
            : state.Up
            ? HealthCheckResult.Healthy($"tunnel up: webhook at {state.PublicUrl}")
            : HealthCheckResult.Unhealthy(state.DownSince is { } since
                ? $"tunnel down since {since:u}: {state.Problem}; reconnecting"
                : "tunnel not open yet"));
}
