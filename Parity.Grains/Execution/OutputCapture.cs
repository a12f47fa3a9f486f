using System.Text;

namespace Parity.Execution;

/// <summary>
/// The stdout and stderr of one execution, each capped at a byte limit. Thread-safe: the executor appends while the
/// runner reads a live snapshot.
/// </summary>
public sealed class ExecutionOutput(int maxBytesPerStream)
{
    public OutputCapture Stdout { get; } = new(maxBytesPerStream);
    public OutputCapture Stderr { get; } = new(maxBytesPerStream);
}

public sealed class OutputCapture(int maxBytes)
{
    public const string TruncationMarker = "\n[output truncated: limit of {0} bytes reached]\n";

    private readonly object _gate = new();
    private readonly MemoryStream _bytes = new();
    private long _discarded;
    /// <summary>Completed by the next append that keeps bytes; made only when a reader waits, so a capture nobody
    /// follows costs nothing extra.</summary>
    private TaskCompletionSource? _appended;

    public int MaxBytes { get; } = maxBytes;

    public bool Truncated
    {
        get { lock (_gate) return _discarded > 0; }
    }

    /// <summary>Bytes that arrived beyond the limit and were dropped.</summary>
    public long DiscardedBytes
    {
        get { lock (_gate) return _discarded; }
    }

    /// <summary>Bytes kept so far.</summary>
    public long Length
    {
        get { lock (_gate) return _bytes.Length; }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        TaskCompletionSource? appended = null;
        lock (_gate)
        {
            var room = (int)Math.Max(0, MaxBytes - _bytes.Length);
            var kept = Math.Min(room, data.Length);
            if (kept > 0)
            {
                _bytes.Write(data[..kept]);
                (appended, _appended) = (_appended, null);
            }
            _discarded += data.Length - kept;
        }
        // Outside the lock: the waiters' continuations run asynchronously, never inside an executor's append.
        appended?.TrySetResult();
    }

    /// <summary>
    /// Completes once more than <paramref name="length"/> bytes are kept (at once when they already are): a live
    /// reader waits on this instead of polling.
    /// </summary>
    public Task WhenLongerThan(long length)
    {
        lock (_gate)
        {
            if (_bytes.Length > length) return Task.CompletedTask;
            _appended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _appended.Task;
        }
    }

    /// <summary>Copies kept bytes from <paramref name="offset"/> into <paramref name="destination"/>; returns how many.</summary>
    public int Read(long offset, Span<byte> destination)
    {
        lock (_gate)
        {
            var count = (int)Math.Min(Math.Max(0, _bytes.Length - offset), destination.Length);
            if (count == 0) return 0;
            _bytes.GetBuffer().AsSpan((int)offset, count).CopyTo(destination);
            return count;
        }
    }

    /// <summary>The text so far (invalid UTF-8 replaced), with a marker when the limit cut it.</summary>
    public string Text()
    {
        lock (_gate)
        {
            var text = Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
            return _discarded > 0 ? text + string.Format(TruncationMarker, MaxBytes) : text;
        }
    }
}
