namespace Parity.Execution.Sandbox;

/// <summary>What a task's cgroup counted: CPU time of all its processes, its memory high-water mark, its OOM kills.</summary>
public readonly record struct CgroupUsage(double CpuSeconds, long PeakMemoryBytes, long OomKills);
