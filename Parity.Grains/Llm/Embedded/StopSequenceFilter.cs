using System.Text;

namespace Parity.Llm.Embedded;

/// <summary>
/// Cuts generated text at the first stop string. Text is released only once it cannot be the start of a stop string,
/// so a stop string never reaches the stream, not even partly: after <c>"ab"</c> with stop <c>"abc"</c> nothing is
/// released until the next piece shows whether <c>"c"</c> follows.
/// </summary>
internal sealed class StopSequenceFilter(IEnumerable<string> stops)
{
    private readonly string[] _stops = stops.Where(s => s.Length > 0).Distinct().ToArray();
    private int Longest => _stops.Length == 0 ? 0 : _stops.Max(s => s.Length);
    private readonly StringBuilder _released = new();
    private string _pending = "";

    /// <summary>True once a stop string was seen; <see cref="Text"/> then ends just before it.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The text so far, released or held back; after a stop, up to the stop string.</summary>
    public string Text => _released + _pending;

    /// <summary>Adds a piece of generated text and returns what can be released now (possibly empty).</summary>
    public string Append(string piece)
    {
        if (Stopped) return "";
        // Released text never holds the start of a stop string, so a stop string can only begin in the pending part.
        var text = _pending + piece;
        var stopAt = -1;
        foreach (var stop in _stops)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
        }
        if (stopAt >= 0)
        {
            Stopped = true;
            _pending = "";
            return Release(text[..stopAt]);
        }
        var hold = HoldFrom(text);
        _pending = text[hold..];
        return Release(text[..hold]);
    }

    /// <summary>Releases whatever is still held back (at the end of generation).</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = "";
        return Release(rest);
    }

    // The earliest position from which the rest of the text is a proper prefix of some stop string.
    private int HoldFrom(string text)
    {
        for (var i = Math.Max(0, text.Length - Longest + 1); i < text.Length; i++)
        {
            var tail = text.AsSpan(i);
            foreach (var stop in _stops)
                if (stop.Length > tail.Length && stop.AsSpan().StartsWith(tail, StringComparison.Ordinal))
                    return i;
        }
        return text.Length;
    }

    private string Release(string text)
    {
        _released.Append(text);
        return text;
    }
}
