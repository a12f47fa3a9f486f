namespace Parity.Execution.Sandbox;

/// <summary>
/// A task cgroup in cgroup v2 (one directory). Killing uses cgroup.kill where the kernel has it (5.14+), else freezes
/// the group and signals each member. Peak memory is memory.peak (5.19+), else memory.current sampled while it runs.
/// </summary>
public sealed class CgroupV2 : ITaskCgroup
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(50);
    private readonly Timer? _sampler;
    private long _sampledPeak;
    private int _disposed;

    private CgroupV2(string parent, string name) => Path = System.IO.Path.Combine(parent, name);

    /// <summary>An existing task cgroup (an orphan to kill and remove).</summary>
    public static CgroupV2 Open(string parent, string name) => new(parent, name);

    public CgroupV2(string parent, string name, CgroupLimits limits) : this(parent, name)
    {
        try
        {
            Directory.CreateDirectory(Path);
            CgroupFiles.Write(Path, "memory.max", limits.MemoryBytes.ToString());
            if (File.Exists(System.IO.Path.Combine(Path, "memory.swap.max"))) CgroupFiles.Write(Path, "memory.swap.max", "0");
            CgroupFiles.Write(Path, "pids.max", limits.MaxProcesses.ToString());
            CgroupFiles.Write(Path, "cpu.max", $"{limits.CpuQuotaMicroseconds} {CgroupLimits.CpuPeriodMicroseconds}");
            if (!File.Exists(System.IO.Path.Combine(Path, "memory.peak"))) _sampler = new Timer(_ => Sample(), null, TimeSpan.Zero, SampleInterval);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Path { get; }

    public void Add(int pid) => CgroupFiles.Write(Path, "cgroup.procs", CgroupFiles.Member(pid));

    public void KillAll()
    {
        if (File.Exists(System.IO.Path.Combine(Path, "cgroup.kill")))
        {
            // The kernel kills every member, forks in flight included, in one step.
            if (CgroupFiles.Pids(Path).Count > 0) CgroupFiles.Write(Path, "cgroup.kill", "1");
            if (CgroupFiles.WaitUntil(() => CgroupFiles.Pids(Path).Count == 0, TimeSpan.FromSeconds(10))) return;
        }
        for (var round = 0; round < 100; round++)
        {
            if (CgroupFiles.Pids(Path).Count == 0) return;
            CgroupFiles.Write(Path, "cgroup.freeze", "1");
            CgroupFiles.WaitUntil(() => CgroupFiles.ReadKey(Path, "cgroup.events", "frozen") == 1, TimeSpan.FromSeconds(1));
            CgroupFiles.Kill(CgroupFiles.Pids(Path));
            CgroupFiles.Write(Path, "cgroup.freeze", "0");
            CgroupFiles.WaitUntil(() => CgroupFiles.Pids(Path).Count == 0, TimeSpan.FromMilliseconds(200));
        }
        throw new IOException($"{Path} still has processes after 100 kill rounds");
    }

    public CgroupUsage Usage()
    {
        Sample();
        var peak = File.Exists(System.IO.Path.Combine(Path, "memory.peak"))
            ? CgroupFiles.ReadLong(Path, "memory.peak")
            : Interlocked.Read(ref _sampledPeak);
        return new CgroupUsage(CgroupFiles.ReadKey(Path, "cpu.stat", "usage_usec") / 1e6, peak,
            CgroupFiles.ReadKey(Path, "memory.events", "oom_kill"));
    }

    private void Sample()
    {
        try
        {
            var current = CgroupFiles.ReadLong(Path, "memory.current");
            long seen;
            while (current > (seen = Interlocked.Read(ref _sampledPeak)) &&
                   Interlocked.CompareExchange(ref _sampledPeak, current, seen) != seen)
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Removed or not yet made: nothing to sample.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _sampler?.Dispose();
        try
        {
            KillAll();
        }
        finally
        {
            CgroupFiles.Remove(Path);
        }
    }
}
