namespace Parity.Execution.Sandbox;

/// <summary>The limits a task's cgroup is made with: memory (swap none), processes+threads, CPUs (a fraction allowed).</summary>
public sealed record CgroupLimits(long MemoryBytes, int MaxProcesses, double Cpus)
{
    /// <summary>The CFS period both versions use; the quota is <see cref="Cpus"/> of it.</summary>
    public const long CpuPeriodMicroseconds = 100_000;

    public long CpuQuotaMicroseconds => Math.Max(1000, (long)Math.Round(Cpus * CpuPeriodMicroseconds));
}
