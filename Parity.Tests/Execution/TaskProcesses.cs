using System.Diagnostics;

namespace Parity.Tests.Execution;

/// <summary>
/// Finds a task's processes from the host side by a unique marker in their command lines (e.g. <c>sleep MARKER</c>):
/// pids inside the sandbox mean nothing out here, and a task cannot write pid files to the host any more.
/// </summary>
internal static class TaskProcesses
{
    /// <summary>A number no other process on the machine has in its command line; as a sleep it lasts years.</summary>
    public static string NewMarker() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString();

    /// <summary>Host pids whose command line has <paramref name="marker"/> as one of its arguments.</summary>
    public static List<int> Find(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var arguments = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (arguments.Contains(marker)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited while scanned.
            }
        }
        return found;
    }

    /// <summary>Waits (up to 20 s) until at least <paramref name="count"/> such processes exist.</summary>
    public static async Task<bool> AppearAsync(string marker, int count)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (Find(marker).Count >= count) return true;
            await Task.Delay(20);
        }
        return false;
    }
}
