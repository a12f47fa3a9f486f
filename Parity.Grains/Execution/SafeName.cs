namespace Parity.Execution;

/// <summary>A task id made safe for a file or container name: letters, digits, '-' and '_' only, at most 64 characters.</summary>
public static class SafeName
{
    public static string Of(string id)
    {
        var safe = new string(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return safe.Length is > 0 and <= 64 ? safe : safe.Length == 0 ? "task" : safe[..64];
    }
}
