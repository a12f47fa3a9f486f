using System.Globalization;

namespace Parity.Federation;

/// <summary>
/// Names of a session's rounds and round tasks. The task id is fixed by (session, round, part), so submitting it again
/// after a crash finds the task already there instead of running the part twice.
/// </summary>
public static class RoundTasks
{
    public static string RoundId(string sessionId, int round) => string.Create(CultureInfo.InvariantCulture, $"{sessionId}:r{round}");

    /// <param name="attempt">A secure-aggregation round restarted after a failover (new keys) gets new task ids: <c>-a{n}</c>.</param>
    public static string TaskId(string sessionId, int round, int part, int attempt = 0) => attempt == 0
        ? string.Create(CultureInfo.InvariantCulture, $"fl-{sessionId}-r{round}-p{part}")
        : string.Create(CultureInfo.InvariantCulture, $"fl-{sessionId}-r{round}-p{part}-a{attempt}");

    public static bool TryParse(string taskId, out string sessionId, out int round, out int part)
    {
        sessionId = "";
        round = part = 0;
        if (!taskId.StartsWith("fl-", StringComparison.Ordinal)) return false;
        var full = taskId;
        var attempt = 0;
        var a = taskId.LastIndexOf("-a", StringComparison.Ordinal);
        if (a > 0 && a > taskId.LastIndexOf("-p", StringComparison.Ordinal)
                  && int.TryParse(taskId.AsSpan(a + 2), NumberStyles.None, CultureInfo.InvariantCulture, out attempt))
            taskId = taskId[..a];
        var p = taskId.LastIndexOf("-p", StringComparison.Ordinal);
        var r = p < 1 ? -1 : taskId.LastIndexOf("-r", p - 1, StringComparison.Ordinal);
        if (r <= 3) return false;
        sessionId = taskId[3..r];
        // Only the id TaskId itself makes: "fl-x-r01-p1" would otherwise read as round 1 although no session names a
        // task so, and a name must map to one (session, round, part) and back.
        return int.TryParse(taskId.AsSpan(r + 2, p - r - 2), NumberStyles.None, CultureInfo.InvariantCulture, out round)
               && int.TryParse(taskId.AsSpan(p + 2), NumberStyles.None, CultureInfo.InvariantCulture, out part)
               && TaskId(sessionId, round, part, attempt) == full;
    }
}
