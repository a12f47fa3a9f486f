using Parity.Federation;

namespace Parity.Tests.Federation;

/// <summary>The session's calls to all its parts at once: each one's answer, or its own reason for having none.</summary>
public sealed class ParallelCallsTests
{
    [Fact]
    public async Task Each_call_keeps_its_own_answer_or_reason_in_order()
    {
        var never = new TaskCompletionSource<int>();
        var settled = await ParallelCalls.Settle(
            [Task.FromResult(7), Task.FromException<int>(new InvalidOperationException("part 1 refused")), never.Task, Task.FromResult(9)],
            TimeSpan.FromMilliseconds(200), "no answer within 0.2 s");

        Assert.Equal(4, settled.Length);
        Assert.Equal(new Settled<int>(true, 7, null), settled[0]);
        Assert.Equal(new Settled<int>(false, 0, "part 1 refused"), settled[1]);
        Assert.Equal(new Settled<int>(false, 0, "no answer within 0.2 s"), settled[2]);
        Assert.Equal(new Settled<int>(true, 9, null), settled[3]);
    }

    [Fact]
    public async Task A_cancelled_wait_names_the_calls_it_gave_up_on()
    {
        using var cancel = new CancellationTokenSource();
        var never = new TaskCompletionSource<string>();
        var waiting = ParallelCalls.Settle([Task.FromResult("done"), never.Task], TimeSpan.FromMinutes(5), "late", cancel.Token);
        await cancel.CancelAsync();
        var settled = await waiting;
        Assert.Equal("done", settled[0].Answer);
        Assert.False(settled[1].Answered);
        Assert.Equal("its request was cancelled", settled[1].Problem);
    }
}
