using System.Globalization;
using System.Runtime.InteropServices;

namespace Parity.Execution.Sandbox;

/// <summary>Reads and writes of cgroup control files, shared by both versions.</summary>
internal static class CgroupFiles
{
    /// <summary>
    /// A task process's pid as written to cgroup.procs. 0 there means "the writer itself", so a pid of 0, or this
    /// process's own, would move the silo into the task's cgroup, where the task's end freezes and kills it: refused.
    /// </summary>
    public static string Member(int pid) => pid > 0 && pid != Environment.ProcessId
        ? pid.ToString(CultureInfo.InvariantCulture)
        : throw new ArgumentOutOfRangeException(nameof(pid), pid, "only a task's own process may be moved into its cgroup, never the silo");

    public static void Write(string directory, string file, string value) =>
        File.WriteAllText(System.IO.Path.Combine(directory, file), value);

    public static long ReadLong(string directory, string file) =>
        long.Parse(File.ReadAllText(System.IO.Path.Combine(directory, file)).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The value of <paramref name="key"/> in a flat-keyed file (cpu.stat, memory.events, memory.oom_control); 0 when absent.</summary>
    public static long ReadKey(string directory, string file, string key)
    {
        var path = System.IO.Path.Combine(directory, file);
        if (!File.Exists(path)) return 0;
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[0] == key) return long.Parse(parts[1].Trim(), CultureInfo.InvariantCulture);
        }
        return 0;
    }

    public static List<int> Pids(string directory)
    {
        var path = System.IO.Path.Combine(directory, "cgroup.procs");
        if (!File.Exists(path)) return [];
        return File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>SIGKILL to each pid. The pids are members of a frozen (or killed) cgroup, so none is a recycled stranger.</summary>
    public static void Kill(IEnumerable<int> pids)
    {
        foreach (var pid in pids) kill(pid, 9);
    }

    /// <summary>Removes an emptied cgroup; rmdir can answer EBUSY for a moment while the last exits are accounted.</summary>
    public static void Remove(string directory)
    {
        for (var attempt = 0; Directory.Exists(directory); attempt++)
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Polls until <paramref name="done"/> holds, for at most <paramref name="bound"/>.</summary>
    public static bool WaitUntil(Func<bool> done, TimeSpan bound)
    {
        var until = Environment.TickCount64 + (long)bound.TotalMilliseconds;
        while (!done())
        {
            if (Environment.TickCount64 > until) return false;
            Thread.Sleep(5);
        }
        return true;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
