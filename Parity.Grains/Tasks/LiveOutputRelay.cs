using System.Runtime.CompilerServices;
using Parity.Runners;

namespace Parity.Tasks;

/// <summary>
/// The task grain's side of live output: it attaches a client to the running attempt's runner and relays that
/// runner's pieces, so clients ask the task (which knows the attempt and its runner) and never a runner directly.
/// </summary>
public static class LiveOutputRelay
{
    /// <summary>The runner's pieces of <paramref name="attempt"/> when it is the task's running attempt, else none.</summary>
    public static IAsyncEnumerable<LiveOutputPiece> Follow(IGrainFactory grains, ParityTask? task, int currentAttempt,
        int attempt, long offset, CancellationToken cancellation) =>
        task is { Status: TaskState.Running, Runner: { } runner } && attempt == currentAttempt
            ? Relay(grains.GetGrain<IRunnerGrain>(runner).LiveOutput(task.Id, attempt, offset, cancellation), attempt, cancellation)
            : AsyncEnumerable.Empty<LiveOutputPiece>();

    private static async IAsyncEnumerable<LiveOutputPiece> Relay(IAsyncEnumerable<LiveOutputPiece> pieces, int attempt,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        var enumerator = pieces.GetAsyncEnumerator(cancellation);
        try
        {
            while (await Next(enumerator))
            {
                // Defensive: a piece of another attempt is never passed on as this one's.
                if (enumerator.Current.Attempt != attempt) yield break;
                yield return enumerator.Current;
            }
        }
        finally
        {
            // Not awaited: disposing the enumeration of a runner whose silo is dying could hold the client's stream.
            _ = DisposeQuietly(enumerator);
        }
    }

    /// <summary>
    /// False at the end, and when the runner cannot be reached (its silo died): the stream ends cleanly and the
    /// client reads the task's state, which says what happens next (a re-dispatch, a result).
    /// </summary>
    private static async Task<bool> Next(IAsyncEnumerator<LiveOutputPiece> enumerator)
    {
        try
        {
            return await enumerator.MoveNextAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task DisposeQuietly(IAsyncEnumerator<LiveOutputPiece> enumerator)
    {
        try
        {
            await enumerator.DisposeAsync();
        }
        catch (Exception)
        {
            // The runner is gone; Orleans drops its side of the enumeration when the silo goes.
        }
    }
}
