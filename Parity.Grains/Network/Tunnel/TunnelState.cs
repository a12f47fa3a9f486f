namespace Parity.Network.Tunnel;

/// <summary>What the tunnel is doing now, for health and the dashboard: up with its URL, or down since when and why.</summary>
public sealed class TunnelState
{
    private readonly object _gate = new();

    public bool Up { get; private set; }
    public Uri? PublicUrl { get; private set; }
    public DateTimeOffset? DownSince { get; private set; }
    public string? Problem { get; private set; }
    /// <summary>Outages since start (the first failure to open counts as one).</summary>
    public int Outages { get; private set; }

    public void MarkUp(Uri url)
    {
        lock (_gate)
        {
            (Up, PublicUrl, DownSince, Problem) = (true, url, null, null);
        }
    }

    /// <summary>True when this starts an outage (the tunnel was up, or had never been opened).</summary>
    public bool MarkDown(string problem, DateTimeOffset now)
    {
        lock (_gate)
        {
            Problem = problem;
            if (DownSince is not null) return false;
            (Up, DownSince) = (false, now);
            Outages++;
            return true;
        }
    }
}
