namespace Parity.Network.Tunnel;

/// <summary>
/// A tunnel that is up: the public host and port the server forwards to this machine, and <see cref="Closed"/>, which
/// completes (with the reason) when the tunnel drops. Disposing it closes it.
/// </summary>
public abstract class OpenTunnel : IAsyncDisposable
{
    public required string PublicHost { get; init; }
    public required int PublicPort { get; init; }
    /// <summary>Completes with why the tunnel is gone; never faults.</summary>
    public abstract Task<string> Closed { get; }
    public abstract ValueTask DisposeAsync();
}
