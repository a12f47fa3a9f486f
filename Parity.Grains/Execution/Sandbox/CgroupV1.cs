namespace Parity.Execution.Sandbox;

/// <summary>
/// A task cgroup in cgroup v1: one directory per controller hierarchy (memory, pids, cpu, cpuacct, freezer when mounted).
/// Killing freezes the group first so no process can fork while the pids are read and signalled.
/// </summary>
public sealed class CgroupV1 : ITaskCgroup
{
    private readonly IReadOnlyDictionary<string, string> _dirs;
    private int _disposed;

    private CgroupV1(IReadOnlyDictionary<string, string> parents, string name) =>
        _dirs = parents.ToDictionary(p => p.Key, p => System.IO.Path.Combine(p.Value, name));

    /// <summary>An existing task cgroup (an orphan to kill and remove).</summary>
    public static CgroupV1 Open(IReadOnlyDictionary<string, string> parents, string name) => new(parents, name);

    /// <summary>Makes the directories under each controller's parent and sets the limits.</summary>
    public CgroupV1(IReadOnlyDictionary<string, string> parents, string name, CgroupLimits limits) : this(parents, name)
    {
        try
        {
            foreach (var dir in _dirs.Values.Distinct()) Directory.CreateDirectory(dir);
            var memory = _dirs["memory"];
            CgroupFiles.Write(memory, "memory.limit_in_bytes", limits.MemoryBytes.ToString());
            // memory+swap equal to memory: no swap, so the limit means resident memory.
            if (File.Exists(System.IO.Path.Combine(memory, "memory.memsw.limit_in_bytes")))
                CgroupFiles.Write(memory, "memory.memsw.limit_in_bytes", limits.MemoryBytes.ToString());
            CgroupFiles.Write(_dirs["pids"], "pids.max", limits.MaxProcesses.ToString());
            CgroupFiles.Write(_dirs["cpu"], "cpu.cfs_period_us", CgroupLimits.CpuPeriodMicroseconds.ToString());
            CgroupFiles.Write(_dirs["cpu"], "cpu.cfs_quota_us", limits.CpuQuotaMicroseconds.ToString());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Path => _dirs["memory"];

    public void Add(int pid)
    {
        var member = CgroupFiles.Member(pid);
        foreach (var dir in _dirs.Values.Distinct()) CgroupFiles.Write(dir, "cgroup.procs", member);
    }

    public void KillAll()
    {
        var members = _dirs["pids"];
        var freezer = _dirs.GetValueOrDefault("freezer");
        for (var round = 0; round < 100; round++)
        {
            var pids = CgroupFiles.Pids(members);
            if (pids.Count == 0) return;
            if (freezer is not null)
            {
                CgroupFiles.Write(freezer, "freezer.state", "FROZEN");
                CgroupFiles.WaitUntil(() => File.ReadAllText(System.IO.Path.Combine(freezer, "freezer.state")).Trim() == "FROZEN",
                    TimeSpan.FromSeconds(1));
                pids = CgroupFiles.Pids(members);
            }
            CgroupFiles.Kill(pids);
            // A frozen process dies of the pending SIGKILL as soon as it is thawed.
            if (freezer is not null) CgroupFiles.Write(freezer, "freezer.state", "THAWED");
            CgroupFiles.WaitUntil(() => CgroupFiles.Pids(members).Count == 0, TimeSpan.FromMilliseconds(200));
        }
        throw new IOException($"{members} still has processes after 100 kill rounds");
    }

    public CgroupUsage Usage() => new(
        CgroupFiles.ReadLong(_dirs["cpuacct"], "cpuacct.usage") / 1e9,
        CgroupFiles.ReadLong(_dirs["memory"], "memory.max_usage_in_bytes"),
        CgroupFiles.ReadKey(_dirs["memory"], "memory.oom_control", "oom_kill"));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            KillAll();
        }
        finally
        {
            foreach (var dir in _dirs.Values.Distinct()) CgroupFiles.Remove(dir);
        }
    }
}
