using System.Text.RegularExpressions;

namespace Parity;

/// <summary>
/// An exception as one line for an operator's log: the innermost cause's type and message, cut where a message carries
/// a flattened stack trace of its own (Orleans' storage errors do, "Exc level 0: … at …").
/// </summary>
public static partial class ExceptionLine
{
    private const int MaxLength = 600;

    public static string Of(Exception e)
    {
        var cause = e.GetBaseException();
        var text = cause.Message.ReplaceLineEndings(" ");
        if (FlattenedFrame().Match(text) is { Success: true } frame) text = text[..frame.Index];
        text = text.Trim();
        if (text.Length > MaxLength) text = text[..MaxLength] + "…";
        return $"{cause.GetType().Name}: {text}";
    }

    /// <summary>Whether a line of text is a stack frame ("   at Namespace.Type.Method(…)") or a frame separator.</summary>
    public static bool IsStackFrame(string line) => StackFrameLine().IsMatch(line);

    [GeneratedRegex(@"\s+at \S+\(")]
    private static partial Regex FlattenedFrame();

    [GeneratedRegex(@"^\s+(at \S+\(|--- End of )")]
    private static partial Regex StackFrameLine();
}
