using System.Globalization;

namespace Parity.Execution;

/// <summary>
/// How long a run may take: the runner's RUNNER_EXECUTION_TIMEOUT, which a task's <c>timeout_seconds</c> may only
/// shorten. Waits for the run under that deadline and tells a timeout from the caller's cancel, so an executor
/// reports either with the same words.
/// </summary>
public sealed class ExecutionDeadline
{
    // CancelAfter takes at most int.MaxValue milliseconds (about 24.8 days).
    private static readonly TimeSpan MaxTimer = TimeSpan.FromDays(24);

    private ExecutionDeadline(TimeSpan timeout, string source)
    {
        Timeout = timeout;
        Source = source;
    }

    public TimeSpan Timeout { get; }

    /// <summary>The setting the timeout came from, named in the error.</summary>
    public string Source { get; }

    /// <summary>The deadline passed before the run ended (set by <see cref="WaitAsync"/>).</summary>
    public bool TimedOut { get; private set; }

    /// <summary>The caller cancelled before the run ended (set by <see cref="WaitAsync"/>).</summary>
    public bool Cancelled { get; private set; }

    public bool Interrupted => TimedOut || Cancelled;

    public static ExecutionDeadline Of(int? timeoutSeconds, TimeSpan executionTimeout) =>
        timeoutSeconds is { } own && TimeSpan.FromSeconds(own) < executionTimeout
            ? new ExecutionDeadline(TimeSpan.FromSeconds(own), "config.timeout_seconds")
            : new ExecutionDeadline(executionTimeout, "RUNNER_EXECUTION_TIMEOUT");

    /// <summary>Waits for the run; false when the deadline or the caller's cancel ended the wait first.</summary>
    public async Task<bool> WaitAsync(Func<CancellationToken, Task> run, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(Timeout < MaxTimer ? Timeout : MaxTimer);
        try
        {
            await run(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            Cancelled = cancellation.IsCancellationRequested;
            TimedOut = !Cancelled;
            return false;
        }
    }

    /// <summary>The measured outcome marked as timed out or cancelled; null when the run ended by itself.</summary>
    public ExecutionOutcome? InterruptedOutcome(ExecutionOutcome measured)
    {
        if (TimedOut)
        {
            var seconds = Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            return measured with { ExitCode = -1, TimedOut = true, Error = $"task execution exceeded timeout of {seconds} s ({Source})" };
        }
        return Cancelled ? measured with { ExitCode = -1, Cancelled = true, Error = "task was cancelled" } : null;
    }
}
