using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Gateway;

/// <summary>
/// One client's event stream of a prompt: <c>status</c> while it waits (with a pull's progress), <c>token</c> for each
/// piece of text as the runner produces it, <c>restart</c> when its runner was lost and another starts it over (the
/// text so far is void), and one <c>done</c> with the whole prompt view. It ends after <c>done</c> or when the client
/// goes away; it never ends silently while the prompt is unfinished.
/// </summary>
/// <remarks>
/// Text is pushed: the task grain relays the running attempt's new pieces from its runner
/// (<see cref="ITaskGrain.LiveOutput"/>), so an open stream costs nothing between tokens. Every wait is bounded, and
/// the task grain's state decides what happens next, because any silo on the way (the task's, the runner's) can die
/// mid-stream. Only contract types are used here; the prompt view and pull progress come from the endpoints.
/// </remarks>
public sealed class PromptStream(IGrainFactory grains, string id, Func<ParityTask, Task<string?>> progress, Func<Task<object?>> view)
{
    /// <summary>How long a pending piece is awaited before the task grain is asked whether its attempt still runs.</summary>
    private static readonly TimeSpan LiveWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CallWait = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(200);

    private readonly ITaskGrain _task = grains.GetGrain<ITaskGrain>(id);
    /// <summary>The attempt whose text the client has, its characters sent, and the UTF-8 offset to resume from.</summary>
    private int _attempt;
    private int _sent;
    private long _next;
    private string? _lastStatus;

    /// <summary>Prompt views show every field, null included, as <c>GET /api/v1/llm/prompts/{id}</c> does.</summary>
    public static readonly JsonSerializerOptions ViewJson = new(ParityJson.Options)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
    };

    public async IAsyncEnumerable<SseItem<string>> Events([EnumeratorCancellation] CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            var (found, task) = await Bounded(_task.Get(), CallWait, cancellation);
            if (!found)
            {
                await Task.Delay(Retry, cancellation);
                continue;
            }
            if (task is null) yield break;
            if (task.Status.IsTerminal())
            {
                if (await Finish(task, cancellation) is not { } last)
                {
                    await Task.Delay(Retry, cancellation);
                    continue;
                }
                foreach (var item in last) yield return item;
                yield break;
            }
            if (await Status(task) is { } status) yield return status;
            if (task is { Status: TaskState.Running, Runner: not null })
                await foreach (var item in Running(task.Attempt, cancellation)) yield return item;
            await Settle(task, cancellation);
        }
    }

    /// <summary>A <c>status</c> event when the status, runner or progress changed since the last one, else null.</summary>
    private async Task<SseItem<string>?> Status(ParityTask task)
    {
        var pull = task.Status == TaskState.Pending ? await progress(task) : null;
        var state = PromptStatus(task.Status);
        var key = $"{state} {task.Runner} {pull}";
        if (key == _lastStatus) return null;
        _lastStatus = key;
        // Every field every time, null included, as the prompt view: a client reads the same shape in each state.
        return new SseItem<string>(JsonSerializer.Serialize(new { id, status = state, runner = task.Runner, progress = pull }, ViewJson), "status");
    }

    /// <summary>A <c>restart</c> when the attempt changed after text was sent, then the attempt's pieces as they come.</summary>
    private async IAsyncEnumerable<SseItem<string>> Running(int attempt, [EnumeratorCancellation] CancellationToken cancellation)
    {
        if (attempt != _attempt)
        {
            if (_sent > 0) yield return Restart(attempt);
            (_attempt, _sent, _next) = (attempt, 0, 0);
        }
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var pieces = _task.LiveOutput(attempt, _next, abandon.Token).GetAsyncEnumerator(abandon.Token);
        try
        {
            while (await NextPiece(pieces, attempt, cancellation))
            {
                var piece = pieces.Current;
                // Only the continuation of the text the client has: never another attempt's, never a repeat.
                if (piece.Attempt != attempt || piece.Offset != _next) yield break;
                (_next, _sent) = (piece.Next, _sent + piece.Text.Length);
                if (piece.Text.Length > 0) yield return Token(piece.Text);
            }
        }
        finally
        {
            abandon.Cancel();
            _ = DisposeQuietly(pieces);
        }
    }

    /// <summary>
    /// Waits for the next piece in bounded slices: between slices the task grain says whether the attempt still runs,
    /// so a runner or task silo that dies mid-stream ends the wait instead of hanging it.
    /// </summary>
    private async Task<bool> NextPiece(IAsyncEnumerator<LiveOutputPiece> pieces, int attempt, CancellationToken cancellation)
    {
        var next = pieces.MoveNextAsync().AsTask();
        while (true)
        {
            var (answered, more) = await Bounded(next, LiveWait, cancellation);
            if (answered) return more;
            if (next.IsCompleted || !await StillRunning(attempt, cancellation))
            {
                // The abandoned call may still fail later (its silo died); observe that so it is not reported as unobserved.
                _ = next.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                return false;
            }
        }
    }

    private async Task<bool> StillRunning(int attempt, CancellationToken cancellation)
    {
        var (found, task) = await Bounded(_task.Get(), CallWait, cancellation);
        return found && task is { Status: TaskState.Running } && task.Attempt == attempt;
    }

    /// <summary>Waits a little for the task to move on (bounded: its silo may be dying), so the loop re-reads it.</summary>
    private async Task Settle(ParityTask task, CancellationToken cancellation)
    {
        var wait = TimeSpan.FromMilliseconds(task.Status == TaskState.Running ? 50 : 250);
        var (answered, _) = await Bounded(_task.WaitFinished(wait), wait + CallWait, cancellation);
        if (!answered) await Task.Delay(Retry, cancellation);
    }

    /// <summary>
    /// The rest of a completed prompt's text (after a <c>restart</c> if another attempt produced it) and <c>done</c>;
    /// null when the view cannot be read now (the caller tries again, so nothing here changes the stream's state).
    /// </summary>
    private async Task<List<SseItem<string>>?> Finish(ParityTask task, CancellationToken cancellation)
    {
        var items = new List<SseItem<string>>();
        var (_, result) = await Bounded(_task.GetResult(), CallWait, cancellation);
        if (result is not null && task.Status == TaskState.Completed)
        {
            var sent = _sent;
            if (result.Attempt != _attempt && sent > 0)
            {
                items.Add(Restart(result.Attempt));
                sent = 0;
            }
            if (result.Stdout.Length > sent) items.Add(Token(result.Stdout[sent..]));
        }
        var (viewed, done) = await Bounded(view(), CallWait, cancellation);
        if (!viewed) return null;
        items.Add(new SseItem<string>(JsonSerializer.Serialize(done, ViewJson), "done"));
        return items;
    }

    /// <summary>The call's answer, or (false, default) when it fails or takes longer than <paramref name="limit"/>.</summary>
    public static async Task<(bool Answered, T? Value)> Bounded<T>(Task<T> call, TimeSpan limit, CancellationToken cancellation)
    {
        try
        {
            return (true, await call.WaitAsync(limit, cancellation));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return (false, default);
        }
    }

    private static async Task DisposeQuietly(IAsyncEnumerator<LiveOutputPiece> pieces)
    {
        try
        {
            await pieces.DisposeAsync().AsTask().WaitAsync(CallWait);
        }
        catch (Exception)
        {
            // Its silo is gone or slow; Orleans expires an enumeration nobody reads.
        }
    }

    /// <summary>Upstream's prompt statuses: queued, processing, completed, failed (and cancelled).</summary>
    public static string PromptStatus(TaskState state) => state switch
    {
        TaskState.Pending => "queued",
        TaskState.Running => "processing",
        _ => ParityJson.WireName(state),
    };

    private static SseItem<string> Token(string text) => new(Serialize(new { text }), "token");

    private static SseItem<string> Restart(int attempt) =>
        new(Serialize(new { attempt, reason = "the prompt's runner was lost; another runner starts it over, so the text so far is void" }), "restart");

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, ParityJson.Options);
}
