namespace Parity.Tests.Support;

/// <summary>
/// A grain call filter that holds the calls a predicate picks until the test opens it, so that a silo can be stopped
/// at a chosen step of a protocol (a fast session or a small forest would otherwise be done before the test acts).
/// </summary>
public sealed class CallGate(Func<IGrainCallContext, bool> hold)
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first held call has arrived (and is being held).</summary>
    public Task Reached => _reached.Task;

    public void Open() => _open.TrySetResult();

    /// <summary>As an incoming filter it holds the callee (and its other calls); as an outgoing one, only the caller.</summary>
    public async Task InvokeAsync(IGrainCallContext context)
    {
        if (!_open.Task.IsCompleted && hold(context))
        {
            _reached.TrySetResult();
            await _open.Task;
        }
        await context.Invoke();
    }
}
