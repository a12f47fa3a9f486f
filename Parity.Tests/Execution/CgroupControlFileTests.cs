using Parity.Execution.Sandbox;

namespace Parity.Tests.Execution;

/// <summary>
/// What a task cgroup writes to and reads from the kernel's control files, for both cgroup versions, on a scratch
/// directory standing for the mount. The limits a task runs under are exactly these writes, and the usage it is billed
/// is exactly these reads, so each file and format is checked here; ShellSandboxTests check the kernel enforcing them
/// on this machine's own cgroup version.
/// </summary>
public sealed class CgroupControlFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("parity-cgroup-files-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A pid that is not this process's (the files are plain files here: no process moves).</summary>
    private static readonly int TaskPid = Environment.ProcessId + 1;

    private static readonly CgroupLimits Limits = new(MemoryBytes: 64L << 20, MaxProcesses: 32, Cpus: 1.5);

    private string Read(params string[] path) => File.ReadAllText(Path.Combine([_root, .. path]));

    private void Write(string text, params string[] path) => File.WriteAllText(Path.Combine([_root, .. path]), text);

    /// <summary>A real cgroup's control files vanish with it; a scratch directory's must be emptied before its rmdir.</summary>
    private void EmptyFiles(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)) File.Delete(file);
    }

    [Theory]
    [InlineData(1.5, 150_000)]
    [InlineData(2, 200_000)]
    [InlineData(0.25, 25_000)]
    [InlineData(0.004, 1000)] // the kernel refuses a quota under 1 ms
    public void The_cpu_quota_is_the_cpus_share_of_a_100_ms_period(double cpus, long quota)
    {
        Assert.Equal(100_000, CgroupLimits.CpuPeriodMicroseconds);
        Assert.Equal(quota, new CgroupLimits(1, 1, cpus).CpuQuotaMicroseconds);
    }

    [Fact]
    public void A_v2_task_cgroup_writes_memory_without_swap_processes_and_cpu()
    {
        var parent = Path.Combine(_root, "parity");
        // The kernel makes memory.swap.max with the cgroup when swap accounting is on; here it exists in advance.
        Directory.CreateDirectory(Path.Combine(parent, "1.2.task"));
        Write("max", "parity", "1.2.task", "memory.swap.max");
        using var cgroup = new CgroupV2Hierarchy(parent).Create("task", Limits, owner: "1.2.");
        Assert.Equal(Path.Combine(parent, "1.2.task"), cgroup.Path);
        Assert.Equal((64L << 20).ToString(), Read("parity", "1.2.task", "memory.max"));
        Assert.Equal("0", Read("parity", "1.2.task", "memory.swap.max"));
        Assert.Equal("32", Read("parity", "1.2.task", "pids.max"));
        Assert.Equal("150000 100000", Read("parity", "1.2.task", "cpu.max"));
        cgroup.Add(TaskPid);
        Assert.Equal(TaskPid.ToString(), Read("parity", "1.2.task", "cgroup.procs"));
        EmptyFiles(cgroup.Path);
    }

    [Fact]
    public void A_v2_cgroup_without_swap_accounting_is_not_given_a_swap_file()
    {
        var parent = Path.Combine(_root, "parity");
        using var cgroup = new CgroupV2Hierarchy(parent).Create("task", Limits, owner: "1.2.");
        Assert.False(File.Exists(Path.Combine(cgroup.Path, "memory.swap.max")));
        EmptyFiles(cgroup.Path);
    }

    [Fact]
    public void V2_usage_is_read_from_cpu_stat_memory_peak_and_memory_events()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "parity", "1.2.task")).FullName;
        Write("0", "parity", "1.2.task", "memory.peak");
        using var cgroup = new CgroupV2(Path.Combine(_root, "parity"), "1.2.task", Limits);
        Write("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n", "parity", "1.2.task", "cpu.stat");
        Write("123456789\n", "parity", "1.2.task", "memory.peak");
        Write("low 0\nhigh 0\nmax 7\noom 3\noom_kill 2\noom_group_kill 0\n", "parity", "1.2.task", "memory.events");
        Assert.Equal(new CgroupUsage(2.5, 123_456_789, 2), cgroup.Usage());
        EmptyFiles(dir);
    }

    [Fact]
    public void Without_memory_peak_the_v2_peak_is_the_highest_memory_current_seen()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "parity", "1.2.task")).FullName;
        Write("5000", "parity", "1.2.task", "memory.current");
        using var cgroup = new CgroupV2(Path.Combine(_root, "parity"), "1.2.task", Limits);
        Assert.Equal(5000, cgroup.Usage().PeakMemoryBytes);
        Write("3000", "parity", "1.2.task", "memory.current");
        Assert.Equal(5000, cgroup.Usage().PeakMemoryBytes);
        Write("7000", "parity", "1.2.task", "memory.current");
        Assert.Equal(7000, cgroup.Usage().PeakMemoryBytes);
        // Absent counters read as none: a kernel without cpu.stat's usage or memory.events bills nothing made up.
        Assert.Equal(0, cgroup.Usage().CpuSeconds);
        Assert.Equal(0, cgroup.Usage().OomKills);
        EmptyFiles(dir);
    }

    private Dictionary<string, string> V1Parents() => new()
    {
        ["memory"] = Path.Combine(_root, "memory", "parity"),
        ["pids"] = Path.Combine(_root, "pids", "parity"),
        ["cpu"] = Path.Combine(_root, "cpu,cpuacct", "parity"),
        ["cpuacct"] = Path.Combine(_root, "cpu,cpuacct", "parity"),
        ["freezer"] = Path.Combine(_root, "freezer", "parity"),
    };

    [Fact]
    public void A_v1_task_cgroup_writes_each_limit_in_its_controllers_directory()
    {
        var parents = V1Parents();
        var hierarchy = new CgroupV1Hierarchy(parents);
        Assert.All(parents.Values, dir => Assert.True(Directory.Exists(dir)));
        // memsw exists when swap accounting is on: memory+swap is then held to the memory limit, so no swap.
        Directory.CreateDirectory(Path.Combine(parents["memory"], "1.2.task"));
        Write("9223372036854771712", "memory", "parity", "1.2.task", "memory.memsw.limit_in_bytes");
        using var cgroup = hierarchy.Create("task", Limits, owner: "1.2.");
        Assert.Equal(Path.Combine(parents["memory"], "1.2.task"), cgroup.Path);
        Assert.Equal((64L << 20).ToString(), Read("memory", "parity", "1.2.task", "memory.limit_in_bytes"));
        Assert.Equal((64L << 20).ToString(), Read("memory", "parity", "1.2.task", "memory.memsw.limit_in_bytes"));
        Assert.Equal("32", Read("pids", "parity", "1.2.task", "pids.max"));
        Assert.Equal("100000", Read("cpu,cpuacct", "parity", "1.2.task", "cpu.cfs_period_us"));
        Assert.Equal("150000", Read("cpu,cpuacct", "parity", "1.2.task", "cpu.cfs_quota_us"));

        // A process joins every hierarchy (cpu and cpuacct share one directory, written once).
        cgroup.Add(TaskPid);
        foreach (var controller in new[] { "memory", "pids", "cpu,cpuacct", "freezer" })
            Assert.Equal(TaskPid.ToString(), Read(controller, "parity", "1.2.task", "cgroup.procs"));

        Write("1500000000\n", "cpu,cpuacct", "parity", "1.2.task", "cpuacct.usage");
        Write("99999\n", "memory", "parity", "1.2.task", "memory.max_usage_in_bytes");
        Write("oom_kill_disable 0\nunder_oom 0\noom_kill 4\n", "memory", "parity", "1.2.task", "memory.oom_control");
        Assert.Equal(new CgroupUsage(1.5, 99_999, 4), cgroup.Usage());
        foreach (var dir in parents.Values) EmptyFiles(dir);
    }

    [Fact]
    public void A_v1_cgroup_without_swap_accounting_is_not_given_a_memsw_file()
    {
        var parents = V1Parents();
        using var cgroup = new CgroupV1Hierarchy(parents).Create("task", Limits, owner: "1.2.");
        Assert.False(File.Exists(Path.Combine(cgroup.Path, "memory.memsw.limit_in_bytes")));
        foreach (var dir in parents.Values) EmptyFiles(dir);
    }

    [Fact]
    public void Disposing_an_empty_cgroup_removes_its_directory_in_every_hierarchy()
    {
        var parents = V1Parents();
        var v1 = new CgroupV1Hierarchy(parents).Create("task", Limits, owner: "1.2.");
        foreach (var dir in parents.Values) EmptyFiles(dir);
        v1.Dispose();
        Assert.All(parents.Values.Distinct(), dir => Assert.False(Directory.Exists(Path.Combine(dir, "1.2.task")), dir));
        v1.Dispose(); // a second dispose does nothing

        var v2 = new CgroupV2Hierarchy(Path.Combine(_root, "v2")).Create("task", Limits, owner: "1.2.");
        EmptyFiles(v2.Path);
        v2.Dispose();
        Assert.False(Directory.Exists(v2.Path));
    }

    [Fact]
    public void Only_cgroups_of_dead_owners_are_removed_as_orphans()
    {
        // Owner 2147483646 is no process; the live owner is this process; a name not ours is another tool's.
        var parents = V1Parents();
        var v1 = new CgroupV1Hierarchy(parents);
        foreach (var dir in parents.Values.Distinct())
        {
            Directory.CreateDirectory(Path.Combine(dir, "2147483646.1.gone"));
            Directory.CreateDirectory(Path.Combine(dir, CgroupOwner.Prefix + "live"));
            Directory.CreateDirectory(Path.Combine(dir, "someone-else"));
        }
        // An orphan a crash left in only some hierarchies is removed from those.
        Directory.CreateDirectory(Path.Combine(parents["pids"], "2147483646.1.half"));
        Assert.Equal(2, v1.RemoveOrphans());
        foreach (var dir in parents.Values.Distinct())
        {
            Assert.False(Directory.Exists(Path.Combine(dir, "2147483646.1.gone")));
            Assert.True(Directory.Exists(Path.Combine(dir, CgroupOwner.Prefix + "live")));
            Assert.True(Directory.Exists(Path.Combine(dir, "someone-else")));
        }
        Assert.False(Directory.Exists(Path.Combine(parents["pids"], "2147483646.1.half")));

        var parent = Path.Combine(_root, "v2");
        var v2 = new CgroupV2Hierarchy(parent);
        Directory.CreateDirectory(Path.Combine(parent, "2147483646.1.gone"));
        Directory.CreateDirectory(Path.Combine(parent, CgroupOwner.Prefix + "live"));
        Directory.CreateDirectory(Path.Combine(parent, "someone-else"));
        Assert.Equal(1, v2.RemoveOrphans());
        Assert.Equal([CgroupOwner.Prefix + "live", "someone-else"],
            Directory.EnumerateDirectories(parent).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void A_process_that_reused_a_dead_owners_pid_does_not_make_its_cgroups_live()
    {
        // This process's pid with another start time: the owner that made the cgroup is gone.
        var pid = Environment.ProcessId;
        Assert.True(CgroupOwner.OwnerAlive(CgroupOwner.Prefix + "task"));
        Assert.False(CgroupOwner.OwnerAlive($"{pid}.1.task"));
        Assert.True(CgroupOwner.OwnerAlive("not-a-parity-name"));
        Assert.True(CgroupOwner.OwnerAlive("abc.1.task"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-2)]
    public void The_silo_is_never_moved_into_a_task_cgroup(int which)
    {
        // 0 in cgroup.procs is the writing process itself; -2 here stands for this process's own pid. A mutation that
        // made a spawned pid 0 once froze the test host inside a probe cgroup: refused before anything is written.
        var pid = which == -2 ? Environment.ProcessId : which;
        var parents = V1Parents();
        using var v1 = new CgroupV1Hierarchy(parents).Create("task", Limits, owner: "1.2.");
        using var v2 = new CgroupV2Hierarchy(Path.Combine(_root, "v2")).Create("task", Limits, owner: "1.2.");
        Assert.Throws<ArgumentOutOfRangeException>(() => v1.Add(pid));
        Assert.Throws<ArgumentOutOfRangeException>(() => v2.Add(pid));
        Assert.False(File.Exists(Path.Combine(parents["pids"], "1.2.task", "cgroup.procs")));
        Assert.False(File.Exists(Path.Combine(v2.Path, "cgroup.procs")));
        foreach (var dir in parents.Values) EmptyFiles(dir);
        EmptyFiles(v2.Path);
    }
}
