using Docker.DotNet.Models;

namespace Parity.Execution.Docker;

/// <summary>
/// Accumulates the engine's stats samples of one container: the CPU counter, peak memory, memory integrated over time,
/// and cumulative network and block I/O. Samples arrive about once a second; a run shorter than that may see none.
/// </summary>
public sealed class ContainerMetrics
{
    private readonly Lock _gate = new();
    private DateTime? _lastRead;
    private ulong _lastUsage;

    public double CpuSeconds { get; private set; }
    public long PeakMemoryBytes { get; private set; }
    /// <summary>Memory in use integrated over the sampled time, in byte-seconds.</summary>
    public double MemoryByteSeconds { get; private set; }
    public long NetworkBytes { get; private set; }
    public long BlockIoBytes { get; private set; }
    public int Samples { get; private set; }

    public void Add(ContainerStatsResponse sample)
    {
        // After the container exits the engine sends zeroed samples; they carry nothing.
        if (sample.Read == default || sample.CPUStats?.CPUUsage is null) return;
        lock (_gate)
        {
            Samples++;
            CpuSeconds = Math.Max(CpuSeconds, sample.CPUStats.CPUUsage.TotalUsage / 1e9);

            var memory = sample.MemoryStats;
            if (memory is not null)
            {
                PeakMemoryBytes = Math.Max(PeakMemoryBytes, (long)Math.Max(memory.Usage, memory.MaxUsage));
                if (_lastRead is { } last && sample.Read > last)
                    MemoryByteSeconds += (_lastUsage + memory.Usage) / 2.0 * (sample.Read - last).TotalSeconds;
                _lastUsage = memory.Usage;
            }
            _lastRead = sample.Read;

            if (sample.Networks is { } networks)
                NetworkBytes = Math.Max(NetworkBytes, networks.Values.Sum(n => (long)(n.RxBytes + n.TxBytes)));
            if (sample.BlkioStats?.IoServiceBytesRecursive is { } io)
                BlockIoBytes = Math.Max(BlockIoBytes, io.Where(e => e.Op is "Read" or "Write" or "read" or "write").Sum(e => (long)e.Value));
        }
    }

    /// <summary>GB-hours of memory: the integral when two or more samples came, otherwise peak × wall time.</summary>
    public double MemoryGbHours(TimeSpan elapsed)
    {
        lock (_gate)
        {
            var byteSeconds = Samples >= 2 ? MemoryByteSeconds : PeakMemoryBytes * elapsed.TotalSeconds;
            return byteSeconds / (1L << 30) / 3600;
        }
    }
}
