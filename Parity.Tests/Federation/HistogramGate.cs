using Parity.Federation;

namespace Parity.Tests.Federation;

/// <summary>
/// A grain call filter that holds every histogram request at the parts until the test opens it, so that a silo can be
/// stopped while a forest is surely between its levels (a small forest would otherwise finish first).
/// </summary>
public sealed class HistogramGate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first histogram request has reached a part (and is being held).</summary>
    public Task Reached => _reached.Task;

    public void Open() => _open.TrySetResult();

    public async Task InvokeAsync(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(IFlPartGrain.Histograms))
        {
            _reached.TrySetResult();
            await _open.Task;
        }
        await context.Invoke();
    }
}
