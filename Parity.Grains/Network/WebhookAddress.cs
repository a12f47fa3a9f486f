namespace Parity.Network;

/// <summary>
/// The webhook URL this runner registers with the upstream server: RUNNER_WEBHOOK_URL as configured, or, with a
/// tunnel on, the tunnel's public URL once it is up (null until then, so nothing unreachable is registered). Whoever
/// registers waits on <see cref="Changed"/> to re-register a new URL at once.
/// </summary>
public sealed class WebhookAddress(Uri? initial)
{
    private readonly object _gate = new();
    private Uri? _current = initial;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri? Current
    {
        get
        {
            lock (_gate) return _current;
        }
    }

    /// <summary>Completes at the next change of <see cref="Current"/>.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate) return _changed.Task;
        }
    }

    public void Set(Uri url)
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            if (_current == url) return;
            _current = url;
            fired = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }
}
