using System.Text;
using LLama.Native;

namespace Parity.Llm.Embedded;

/// <summary>
/// Captures llama.cpp's log, which otherwise goes to stderr, and keeps the recent error and warning lines: a model
/// that fails to load only says why there (<c>missing tensor 'blk.1.ffn_up.weight'</c>), while LLamaSharp throws a
/// generic "Failed to load model". Nothing is printed. Process-wide, installed once before the first native call.
/// </summary>
internal static class LlamaNativeLog
{
    private const int Keep = 32;
    private static readonly Lock Gate = new();
    private static readonly Lock InstallGate = new();
    private static readonly LinkedList<(long Sequence, LLamaLogLevel Level, string Text)> Recent = new();
    private static readonly StringBuilder Line = new();
    private static LLamaLogLevel _lineLevel = LLamaLogLevel.Info;
    private static long _sequence;
    private static bool _installed;

    /// <summary>Installs the callback; must run before anything else in the process touches llama.cpp.</summary>
    public static void Install()
    {
        lock (InstallGate)
        {
            if (_installed) return;
            if (NativeLibraryConfig.LLama.LibraryHasLoaded) NativeLogConfig.llama_log_set(OnLog);
            else NativeLibraryConfig.All.WithLogCallback(OnLog);
            _installed = true;
        }
    }

    /// <summary>A position in the log: <see cref="ProblemsSince"/> returns the lines logged after it.</summary>
    public static long Mark()
    {
        lock (Gate) return _sequence;
    }

    /// <summary>The error lines logged after <paramref name="mark"/> (warnings when there are no errors), or null.</summary>
    public static string? ProblemsSince(long mark)
    {
        lock (Gate)
        {
            Complete();
            var lines = Recent.Where(l => l.Sequence > mark).ToList();
            var chosen = lines.Where(l => l.Level == LLamaLogLevel.Error).ToList();
            if (chosen.Count == 0) chosen = lines.Where(l => l.Level == LLamaLogLevel.Warning).ToList();
            return chosen.Count == 0 ? null : string.Join("; ", chosen.Select(l => l.Text).Distinct());
        }
    }

    private static void OnLog(LLamaLogLevel level, string message)
    {
        lock (Gate)
        {
            // llama.cpp sends a line in fragments: the first carries the level, the rest come as Continue.
            if (level != LLamaLogLevel.Continue)
            {
                Complete();
                _lineLevel = level;
            }
            Line.Append(message);
            if (message.EndsWith('\n')) Complete();
        }
    }

    private static void Complete()
    {
        var text = Line.ToString().Trim();
        Line.Clear();
        if (text.Length == 0 || _lineLevel is not (LLamaLogLevel.Error or LLamaLogLevel.Warning)) return;
        Recent.AddLast((++_sequence, _lineLevel, text));
        if (Recent.Count > Keep) Recent.RemoveFirst();
    }
}
