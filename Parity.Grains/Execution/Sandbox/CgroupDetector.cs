namespace Parity.Execution.Sandbox;

/// <summary>
/// Finds where this process can make task cgroups: cgroup v2 when its hierarchy carries the memory, pids and cpu
/// controllers, else cgroup v1 controller mounts. Reads /proc/self/mountinfo and /proc/self/cgroup; makes the parity
/// parent (and, on v2, moves this process into a leaf of its own cgroup when that is what enabling controllers needs).
/// </summary>
public static class CgroupDetector
{
    private const string ParentName = "parity";

    /// <summary>The hierarchy, or null with the reason none is usable.</summary>
    public static (ICgroupHierarchy? Hierarchy, string? Problem) Detect() => Detect("/proc/self/mountinfo", "/proc/self/cgroup");

    /// <summary>
    /// The same from the given mountinfo and cgroup files: tests describe hosts this machine is not (the other cgroup
    /// version, a container's namespace root, missing controllers) with files and a scratch directory as the mounts.
    /// </summary>
    internal static (ICgroupHierarchy? Hierarchy, string? Problem) Detect(string mountInfoFile, string cgroupFile)
    {
        List<(string Root, string MountPoint, string Type, string[] Options)> mounts;
        Dictionary<string, string> own;
        try
        {
            mounts = File.ReadLines(mountInfoFile).Select(ParseMount).Where(m => m.Type is "cgroup" or "cgroup2").ToList();
            own = File.ReadLines(cgroupFile).Select(l => l.Split(':', 3)).Where(p => p.Length == 3)
                .SelectMany(p => (p[1].Length == 0 ? [""] : p[1].Split(',')).Select(c => (c, p[2])))
                .GroupBy(x => x.c).ToDictionary(g => g.Key, g => g.First().Item2);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read this process's cgroups: {e.Message}");
        }

        string? v2Problem = null;
        if (mounts.FirstOrDefault(m => m.Type == "cgroup2") is { MountPoint: not null } unified && own.TryGetValue("", out var ownV2))
        {
            var dir = Under(unified.MountPoint, unified.Root, ownV2);
            var available = ReadWords(Path.Combine(dir, "cgroup.controllers"));
            if (CgroupV2Hierarchy.Required.All(available.Contains))
            {
                try
                {
                    return (new CgroupV2Hierarchy(PrepareV2(dir)), null);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    v2Problem = $"cgroup v2 at {dir}: cannot delegate {string.Join("/", CgroupV2Hierarchy.Required)} to a '{ParentName}' child " +
                                $"({e.Message}); run the silo in a cgroup it may manage (e.g. systemd Delegate=yes)";
                }
            }
            else v2Problem = $"cgroup v2 at {dir} lacks controllers (has '{string.Join(" ", available)}', needs {string.Join(", ", CgroupV2Hierarchy.Required)})";
        }

        var parents = new Dictionary<string, string>();
        foreach (var controller in CgroupV1Hierarchy.Required.Append("freezer"))
        {
            var mount = mounts.FirstOrDefault(m => m.Type == "cgroup" && m.Options.Contains(controller));
            if (mount.MountPoint is null) continue;
            parents[controller] = Path.Combine(Under(mount.MountPoint, mount.Root, own.GetValueOrDefault(controller, "/")), ParentName);
        }
        var missing = CgroupV1Hierarchy.Required.Where(c => !parents.ContainsKey(c)).ToList();
        if (missing.Count > 0)
            return (null, v2Problem ?? $"no cgroup v2 with memory/pids/cpu and no cgroup v1 mount of {string.Join(", ", missing)}");
        try
        {
            return (new CgroupV1Hierarchy(parents), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cgroup v1: cannot make the '{ParentName}' cgroups ({e.Message})" + (v2Problem is null ? "" : $"; {v2Problem}"));
        }
    }

    /// <summary>Makes dir/parity with the controllers enabled for its children.</summary>
    private static string PrepareV2(string dir)
    {
        var enable = string.Join(' ', CgroupV2Hierarchy.Required.Select(c => "+" + c));
        try
        {
            CgroupFiles.Write(dir, "cgroup.subtree_control", enable);
        }
        catch (IOException)
        {
            // "No internal processes": a non-root cgroup (a container's namespace root included) that holds processes
            // cannot hand controllers to children.
            // This process moves into a leaf of its own; any other process left in dir makes the retry fail (reported).
            var leaf = Path.Combine(dir, ParentName + "-silo");
            Directory.CreateDirectory(leaf);
            CgroupFiles.Write(leaf, "cgroup.procs", Environment.ProcessId.ToString());
            CgroupFiles.Write(dir, "cgroup.subtree_control", enable);
        }
        var parent = Path.Combine(dir, ParentName);
        Directory.CreateDirectory(parent);
        CgroupFiles.Write(parent, "cgroup.subtree_control", enable);
        return parent;
    }

    /// <summary>The directory of cgroup <paramref name="path"/> in a mount whose root is <paramref name="root"/>; the mount point when not visible.</summary>
    private static string Under(string mountPoint, string root, string path)
    {
        var relative = root == "/" ? path : path.StartsWith(root, StringComparison.Ordinal) ? path[root.Length..] : "/";
        var dir = Path.Combine(mountPoint, relative.TrimStart('/'));
        return Directory.Exists(dir) ? dir.TrimEnd('/') : mountPoint;
    }

    private static string[] ReadWords(string file) =>
        File.Exists(file) ? File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    private static (string Root, string MountPoint, string Type, string[] Options) ParseMount(string line)
    {
        var halves = line.Split(" - ", 2);
        var before = halves[0].Split(' ');
        var after = halves.Length > 1 ? halves[1].Split(' ') : [];
        return (before[3], before[4], after.Length > 0 ? after[0] : "", after.Length > 2 ? after[2].Split(',') : []);
    }
}
