namespace Parity.Tests.Support;

/// <summary>
/// The calls a stand-in grain received, in order, each held until the test answers or fails it by its number: the test
/// decides when a grain call returns, and what with.
/// </summary>
public sealed class HeldCalls<TCall, TAnswer>(string what)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private readonly List<(TCall Call, TaskCompletionSource<TAnswer> Answer)> _calls = [];

    public int Count
    {
        get
        {
            lock (_calls) return _calls.Count;
        }
    }

    public TCall this[int call]
    {
        get
        {
            lock (_calls) return _calls[call].Call;
        }
    }

    /// <summary>Records a call; its result is the answer the test gives it.</summary>
    public Task<TAnswer> Hold(TCall call)
    {
        var answer = new TaskCompletionSource<TAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_calls) _calls.Add((call, answer));
        return answer.Task;
    }

    public void Answer(int call, TAnswer answer) => Pending(call).SetResult(answer);

    public void Fail(int call, Exception failure) => Pending(call).SetException(failure);

    public async Task WaitFor(int count)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} {Count} time(s), not {count}");
            await Task.Delay(10);
        }
    }

    private TaskCompletionSource<TAnswer> Pending(int call)
    {
        lock (_calls) return _calls[call].Answer;
    }
}
