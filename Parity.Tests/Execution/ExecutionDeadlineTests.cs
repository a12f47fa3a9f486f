using Parity.Execution;

namespace Parity.Tests.Execution;

/// <summary>
/// The deadline of a shell or docker run: a task may shorten the runner's RUNNER_EXECUTION_TIMEOUT, never lengthen it
/// (a task asking for a week would otherwise hold a runner for a week), and the outcome tells a timeout from a cancel.
/// </summary>
public sealed class ExecutionDeadlineTests
{
    private static readonly TimeSpan Runner = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(null, 60, "RUNNER_EXECUTION_TIMEOUT")]
    [InlineData(59, 59, "config.timeout_seconds")]
    [InlineData(60, 60, "RUNNER_EXECUTION_TIMEOUT")]
    [InlineData(61, 60, "RUNNER_EXECUTION_TIMEOUT")]
    [InlineData(int.MaxValue, 60, "RUNNER_EXECUTION_TIMEOUT")]
    public void A_task_may_only_shorten_the_runners_timeout(int? own, int seconds, string source)
    {
        var deadline = ExecutionDeadline.Of(own, Runner);
        Assert.Equal(TimeSpan.FromSeconds(seconds), deadline.Timeout);
        Assert.Equal(source, deadline.Source);
    }

    [Fact]
    public async Task A_run_that_ends_in_time_is_not_interrupted()
    {
        var deadline = ExecutionDeadline.Of(null, Runner);
        Assert.True(await deadline.WaitAsync(_ => Task.CompletedTask, CancellationToken.None));
        Assert.False(deadline.Interrupted);
        Assert.False(deadline.TimedOut);
        Assert.False(deadline.Cancelled);
        Assert.Null(deadline.InterruptedOutcome(new ExecutionOutcome { ExitCode = 3 }));
    }

    [Fact]
    public async Task A_run_past_its_deadline_times_out_naming_the_setting()
    {
        var deadline = ExecutionDeadline.Of(1, Runner);
        Assert.False(await deadline.WaitAsync(token => Task.Delay(Timeout.Infinite, token), CancellationToken.None));
        Assert.True(deadline.TimedOut);
        Assert.False(deadline.Cancelled);
        Assert.True(deadline.Interrupted);
        var outcome = deadline.InterruptedOutcome(new ExecutionOutcome { ExitCode = 0, CpuSeconds = 0.5 })!;
        Assert.Equal(-1, outcome.ExitCode);
        Assert.True(outcome.TimedOut);
        Assert.False(outcome.Cancelled);
        Assert.Equal("task execution exceeded timeout of 1 s (config.timeout_seconds)", outcome.Error);
        // What was measured stays: the time and resources the run used are still billed.
        Assert.Equal(0.5, outcome.CpuSeconds);
    }

    [Fact]
    public async Task A_cancel_by_the_caller_is_a_cancel_not_a_timeout()
    {
        using var cancel = new CancellationTokenSource();
        var deadline = ExecutionDeadline.Of(null, Runner);
        var wait = deadline.WaitAsync(token => Task.Delay(Timeout.Infinite, token), cancel.Token);
        await cancel.CancelAsync();
        Assert.False(await wait);
        Assert.True(deadline.Cancelled);
        Assert.False(deadline.TimedOut);
        Assert.True(deadline.Interrupted);
        var outcome = deadline.InterruptedOutcome(new ExecutionOutcome { ExitCode = 0 })!;
        Assert.Equal(-1, outcome.ExitCode);
        Assert.True(outcome.Cancelled);
        Assert.False(outcome.TimedOut);
        Assert.Equal("task was cancelled", outcome.Error);
    }

    [Fact]
    public async Task A_runner_timeout_beyond_what_a_timer_takes_still_waits()
    {
        // RUNNER_EXECUTION_TIMEOUT may be up to 7 days; CancelAfter refuses more than ~24.8 days, so longer values are
        // capped rather than thrown at the start of every run.
        var deadline = ExecutionDeadline.Of(null, TimeSpan.FromDays(30));
        Assert.True(await deadline.WaitAsync(_ => Task.CompletedTask, CancellationToken.None));
        Assert.Equal(TimeSpan.FromDays(30), deadline.Timeout);
    }
}
