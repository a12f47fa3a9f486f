using Parity.Execution.Sandbox;

namespace Parity.Tests.Execution;

/// <summary>
/// Where task cgroups are made, decided from /proc/self/mountinfo and /proc/self/cgroup. This machine has one cgroup
/// layout; users' hosts have others (cgroup v2 on most current distributions, v1 on older ones and some VMs, a
/// container's namespace root, controllers not delegated). Each is described here by the two files, with a scratch
/// directory standing for the mounts, and the detector must pick the same hierarchy the kernel would let it use, or
/// say what is missing.
/// </summary>
public sealed class CgroupDetectorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("parity-cgroup-detect-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Dir(string relative)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(path);
        return path;
    }

    private (ICgroupHierarchy? Hierarchy, string? Problem) Detect(string[] mounts, params string[] cgroups)
    {
        var mountInfo = Path.Combine(_root, "mountinfo");
        var cgroup = Path.Combine(_root, "cgroup");
        // mountinfo: id parent major:minor root mount-point options - type source super-options
        File.WriteAllLines(mountInfo, mounts.Select((m, i) => $"{30 + i} 20 0:{30 + i} {m}"));
        File.WriteAllLines(cgroup, cgroups);
        return CgroupDetector.Detect(mountInfo, cgroup);
    }

    private string V2Mount(string root = "/") => $"{root} {Dir("unified")} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate";

    private string V1Mount(string controllers, string root = "/") =>
        $"{root} {Dir(controllers.Replace(',', '+'))} rw,nosuid - cgroup cgroup rw,{controllers}";

    [Fact]
    public void Cgroup_v2_with_the_three_controllers_is_used_and_delegated_to_a_parity_parent()
    {
        File.WriteAllText(Path.Combine(Dir("unified"), "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n");
        var (hierarchy, problem) = Detect([V2Mount()], "0::/");
        Assert.Null(problem);
        var parent = Path.Combine(_root, "unified", "parity");
        Assert.Equal($"cgroup v2 at {parent}", Assert.IsType<CgroupV2Hierarchy>(hierarchy).Description);
        Assert.Equal("+memory +pids +cpu", File.ReadAllText(Path.Combine(_root, "unified", "cgroup.subtree_control")));
        Assert.Equal("+memory +pids +cpu", File.ReadAllText(Path.Combine(parent, "cgroup.subtree_control")));
    }

    [Fact]
    public void The_parent_goes_under_this_processs_own_cgroup_so_its_services_limits_still_hold()
    {
        var own = Dir("unified/system.slice/parity.service");
        File.WriteAllText(Path.Combine(own, "cgroup.controllers"), "memory pids cpu");
        var (hierarchy, problem) = Detect([V2Mount()], "0::/system.slice/parity.service");
        Assert.Null(problem);
        Assert.Equal($"cgroup v2 at {Path.Combine(own, "parity")}", hierarchy!.Description);
    }

    [Fact]
    public void In_a_containers_namespace_the_mount_root_is_taken_off_this_processs_path()
    {
        // The mount shows the host's /docker/abc as its root; the process's path is given from the host's root too.
        var own = Dir("unified/job");
        File.WriteAllText(Path.Combine(own, "cgroup.controllers"), "memory pids cpu");
        var (hierarchy, _) = Detect([V2Mount("/docker/abc")], "0::/docker/abc/job");
        Assert.Equal($"cgroup v2 at {Path.Combine(own, "parity")}", hierarchy!.Description);
    }

    [Fact]
    public void A_path_outside_the_mount_or_not_visible_falls_back_to_the_mount_point()
    {
        File.WriteAllText(Path.Combine(Dir("unified"), "cgroup.controllers"), "memory pids cpu");
        Assert.Equal($"cgroup v2 at {Path.Combine(_root, "unified", "parity")}", Detect([V2Mount("/docker/abc")], "0::/elsewhere").Hierarchy!.Description);
        Assert.Equal($"cgroup v2 at {Path.Combine(_root, "unified", "parity")}", Detect([V2Mount()], "0::/not/made").Hierarchy!.Description);
    }

    [Fact]
    public void Cgroup_v2_without_a_needed_controller_says_which_it_has_and_which_it_needs()
    {
        File.WriteAllText(Path.Combine(Dir("unified"), "cgroup.controllers"), "cpu io");
        var (hierarchy, problem) = Detect([V2Mount()], "0::/");
        Assert.Null(hierarchy);
        Assert.Equal($"cgroup v2 at {Path.Combine(_root, "unified")} lacks controllers (has 'cpu io', needs memory, pids, cpu)", problem);
    }

    [Fact]
    public void Cgroup_v2_that_cannot_be_delegated_says_how_to_fix_it()
    {
        File.WriteAllText(Path.Combine(Dir("unified"), "cgroup.controllers"), "memory pids cpu");
        // A file where the parity parent must go: making it fails as a refused mkdir would.
        File.WriteAllText(Path.Combine(_root, "unified", "parity"), "");
        var (hierarchy, problem) = Detect([V2Mount()], "0::/");
        Assert.Null(hierarchy);
        Assert.StartsWith($"cgroup v2 at {Path.Combine(_root, "unified")}: cannot delegate memory/pids/cpu to a 'parity' child", problem);
        Assert.EndsWith("run the silo in a cgroup it may manage (e.g. systemd Delegate=yes)", problem);
    }

    [Fact]
    public void Cgroup_v1_mounts_are_used_when_there_is_no_usable_v2_each_controller_under_this_processs_own_path()
    {
        var ownMemory = Dir("memory/process_api/f95a");
        var (hierarchy, problem) = Detect(
            [V1Mount("memory"), V1Mount("pids"), V1Mount("cpu,cpuacct"), V1Mount("freezer"), V1Mount("devices"), V2Mount()],
            "5:freezer:/", "4:memory:/process_api/f95a", "3:pids:/", "2:cpu,cpuacct:/", "1:devices:/", "0::/");
        Assert.Null(problem);
        var parents = new Dictionary<string, string>
        {
            ["cpu"] = Path.Combine(_root, "cpu+cpuacct", "parity"),
            ["cpuacct"] = Path.Combine(_root, "cpu+cpuacct", "parity"),
            ["freezer"] = Path.Combine(_root, "freezer", "parity"),
            ["memory"] = Path.Combine(ownMemory, "parity"),
            ["pids"] = Path.Combine(_root, "pids", "parity"),
        };
        Assert.Equal("cgroup v1 (" + string.Join(", ", parents.Select(p => $"{p.Key} at {p.Value}")) + ")",
            Assert.IsType<CgroupV1Hierarchy>(hierarchy).Description);
        Assert.All(parents.Values, dir => Assert.True(Directory.Exists(dir), dir));
        Assert.False(Directory.Exists(Path.Combine(_root, "devices", "parity")));
    }

    [Fact]
    public void Missing_v1_controllers_are_named_and_an_unusable_v2_is_reported_first()
    {
        var (hierarchy, problem) = Detect([V1Mount("memory"), V1Mount("cpu,cpuacct")], "4:memory:/", "2:cpu,cpuacct:/");
        Assert.Null(hierarchy);
        Assert.Equal("no cgroup v2 with memory/pids/cpu and no cgroup v1 mount of pids", problem);

        File.WriteAllText(Path.Combine(Dir("unified"), "cgroup.controllers"), "cpu");
        var (_, both) = Detect([V1Mount("memory"), V2Mount()], "4:memory:/", "0::/");
        Assert.StartsWith($"cgroup v2 at {Path.Combine(_root, "unified")} lacks controllers", both);
    }

    [Fact]
    public void A_v2_mount_this_process_is_not_in_is_not_used()
    {
        // A hybrid host: cgroup2 is mounted but the process's cgroup file has no "0::" line for it.
        File.WriteAllText(Path.Combine(Dir("unified"), "cgroup.controllers"), "memory pids cpu");
        var (hierarchy, problem) = Detect([V2Mount(), V1Mount("memory"), V1Mount("pids"), V1Mount("cpu,cpuacct")],
            "4:memory:/", "3:pids:/", "2:cpu,cpuacct:/");
        Assert.Null(problem);
        Assert.IsType<CgroupV1Hierarchy>(hierarchy);
    }

    [Fact]
    public void Unreadable_process_files_are_a_problem_not_a_crash()
    {
        var (hierarchy, problem) = CgroupDetector.Detect(Path.Combine(_root, "missing-mountinfo"), Path.Combine(_root, "missing-cgroup"));
        Assert.Null(hierarchy);
        Assert.StartsWith("cannot read this process's cgroups: ", problem);
    }
}
