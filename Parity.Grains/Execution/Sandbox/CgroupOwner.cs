using System.Globalization;

namespace Parity.Execution.Sandbox;

/// <summary>
/// Task cgroups are named "&lt;pid&gt;.&lt;start time&gt;.&lt;task&gt;" after the silo process that made them, so a
/// starting silo can tell a crashed silo's leftovers (owner gone, or its pid reused by a process that started at
/// another time) from the live tasks of another silo on the same machine.
/// </summary>
public static class CgroupOwner
{
    /// <summary>This process's prefix for the cgroups it makes.</summary>
    public static string Prefix { get; } = $"{Environment.ProcessId}.{StartTime(Environment.ProcessId)}.";

    /// <summary>Whether a cgroup named <paramref name="name"/> belongs to a process that still runs (names not ours: true, left alone).</summary>
    public static bool OwnerAlive(string name)
    {
        var parts = name.Split('.', 3);
        if (parts.Length < 3 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid)) return true;
        return StartTime(pid) is { } started && started == parts[1];
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null when the process is gone.</summary>
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
