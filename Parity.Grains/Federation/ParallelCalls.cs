namespace Parity.Federation;

/// <summary>What became of one of several calls made side by side: its answer, or why it has none.</summary>
public readonly record struct Settled<T>(bool Answered, T? Answer, string? Problem);

/// <summary>
/// The session's calls to all its parts at once (preparation, the rehearsal, a forest's histogram exchanges, secure
/// aggregation's steps): every call is awaited up to one deadline, and each one's failure is kept apart from the others
/// so the session can name the part that did not answer instead of failing them all.
/// </summary>
public static class ParallelCalls
{
    /// <param name="late">The reason given for a call that did not answer within <paramref name="timeout"/>.</param>
    public static async Task<Settled<T>[]> Settle<T>(IEnumerable<Task<T>> calls, TimeSpan timeout, string late,
        CancellationToken cancel = default)
    {
        var bounded = calls.Select(c => c.WaitAsync(timeout, cancel)).ToArray();
        try
        {
            await Task.WhenAll(bounded);
        }
        catch
        {
            // Each call's own outcome is read below.
        }
        return bounded.Select(c => c.IsCompletedSuccessfully
            ? new Settled<T>(true, c.Result, null)
            : new Settled<T>(false, default, c.Exception?.InnerException switch
            {
                TimeoutException => late,
                { } e => e.Message,
                null => "its request was cancelled",
            })).ToArray();
    }
}
