using Docker.DotNet.Models;
using Parity.Execution.Docker;

namespace Parity.Tests.Execution.Docker;

public class ContainerMetricsTests
{
    private static readonly DateTime T0 = new(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

    private static ContainerStatsResponse Sample(double seconds, ulong cpuNs, ulong memory, ulong maxMemory = 0,
        ulong rx = 0, ulong tx = 0, ulong read = 0, ulong written = 0) => new()
    {
        Read = T0.AddSeconds(seconds),
        CPUStats = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = cpuNs } },
        MemoryStats = new MemoryStats { Usage = memory, MaxUsage = maxMemory },
        Networks = new Dictionary<string, NetworkStats> { ["eth0"] = new() { RxBytes = rx, TxBytes = tx } },
        BlkioStats = new BlkioStats
        {
            IoServiceBytesRecursive =
            [
                new BlkioStatEntry { Op = "Read", Value = read },
                new BlkioStatEntry { Op = "Write", Value = written },
                new BlkioStatEntry { Op = "Total", Value = read + written },
            ],
        },
    };

    [Fact]
    public void Accumulates_counters_peaks_and_the_memory_integral()
    {
        var metrics = new ContainerMetrics();
        metrics.Add(Sample(0, cpuNs: 100_000_000, memory: 1L << 30, rx: 10, tx: 5, read: 100, written: 50));
        metrics.Add(Sample(1, cpuNs: 1_100_000_000, memory: 3L << 30, maxMemory: 4L << 30, rx: 30, tx: 10, read: 200, written: 100));
        metrics.Add(Sample(3, cpuNs: 2_600_000_000, memory: 1L << 30, rx: 40, tx: 10, read: 200, written: 300));

        Assert.Equal(2.6, metrics.CpuSeconds, 9);
        Assert.Equal(4L << 30, metrics.PeakMemoryBytes);
        Assert.Equal(50, metrics.NetworkBytes);
        Assert.Equal(500, metrics.BlockIoBytes);
        // Trapezoids: (1+3)/2 GiB × 1 s + (3+1)/2 GiB × 2 s = 6 GiB·s.
        Assert.Equal(6.0 * (1L << 30), metrics.MemoryByteSeconds, 3);
        Assert.Equal(6.0 / 3600, metrics.MemoryGbHours(TimeSpan.FromSeconds(3)), 12);
        Assert.Equal(3, metrics.Samples);
    }

    [Fact]
    public void Zeroed_samples_after_exit_are_ignored()
    {
        var metrics = new ContainerMetrics();
        metrics.Add(Sample(0, cpuNs: 500_000_000, memory: 1L << 20));
        metrics.Add(new ContainerStatsResponse());

        Assert.Equal(0.5, metrics.CpuSeconds, 9);
        Assert.Equal(1, metrics.Samples);
    }

    [Fact]
    public void With_fewer_than_two_samples_memory_hours_fall_back_to_peak_times_wall_time()
    {
        var metrics = new ContainerMetrics();
        metrics.Add(Sample(0, cpuNs: 1, memory: 2L << 30));

        Assert.Equal(2.0 * 0.5, metrics.MemoryGbHours(TimeSpan.FromMinutes(30)), 12);
    }
}
