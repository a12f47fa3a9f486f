using System.Globalization;

namespace Parity.Network;

/// <summary>
/// The machine's CPU and memory use in percent, for heartbeats (the reference always sent 0). Linux: CPU from the busy
/// share of /proc/stat's counters since the previous sample, memory from /proc/meminfo (MemTotal less MemAvailable).
/// Elsewhere, or when those files cannot be read, the figure is 0.
/// </summary>
public sealed class HostLoad(string procRoot = "/proc")
{
    private (ulong Busy, ulong Total)? _previous;

    public double CpuPercent()
    {
        if (ReadCpu() is not { } now) return 0;
        var previous = _previous;
        _previous = now;
        if (previous is not { } before || now.Total <= before.Total) return 0;
        return Math.Round(100.0 * (now.Busy - before.Busy) / (now.Total - before.Total), 1);
    }

    public double MemoryPercent()
    {
        try
        {
            ulong? total = null, available = null;
            foreach (var line in File.ReadLines(Path.Combine(procRoot, "meminfo")))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal)) total = Kilobytes(line);
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) available = Kilobytes(line);
            }
            return total is > 0 && available is { } free && free <= total
                ? Math.Round(100.0 * (total.Value - free) / total.Value, 1)
                : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return 0;
        }
    }

    private (ulong Busy, ulong Total)? ReadCpu()
    {
        try
        {
            var line = File.ReadLines(Path.Combine(procRoot, "stat")).FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null) return null;
            // user nice system idle iowait irq softirq steal ...: idle and iowait are the idle share.
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => ulong.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            if (fields.Length < 4) return null;
            var total = fields.Take(8).Aggregate(0UL, (a, b) => a + b);
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    private static ulong Kilobytes(string line) =>
        ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
