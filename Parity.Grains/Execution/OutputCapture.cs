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

    public void Append(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            var room = (int)Math.Max(0, MaxBytes - _bytes.Length);
            var kept = Math.Min(room, data.Length);
            if (kept > 0) _bytes.Write(data[..kept]);
            _discarded += data.Length - kept;
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
