namespace Parity.Execution.Sandbox;

/// <summary>
/// cgroup v1: a "parity" parent in each controller hierarchy, under this process's own cgroup there (so a container's
/// or service's limits still hold over its tasks). Memory, pids, cpu and cpuacct are needed; freezer is used when mounted.
/// </summary>
public sealed class CgroupV1Hierarchy : ICgroupHierarchy
{
    public static readonly string[] Required = ["memory", "pids", "cpu", "cpuacct"];
    private readonly IReadOnlyDictionary<string, string> _parents;

    /// <param name="parents">controller → the parity parent directory; made here.</param>
    public CgroupV1Hierarchy(IReadOnlyDictionary<string, string> parents)
    {
        _parents = parents;
        foreach (var dir in parents.Values.Distinct()) Directory.CreateDirectory(dir);
    }

    public string Description =>
        "cgroup v1 (" + string.Join(", ", _parents.OrderBy(p => p.Key).Select(p => $"{p.Key} at {p.Value}")) + ")";

    public ITaskCgroup Create(string name, CgroupLimits limits, string? owner = null) =>
        new CgroupV1(_parents, (owner ?? CgroupOwner.Prefix) + name, limits);

    public int RemoveOrphans()
    {
        var orphans = new DirectoryInfo(_parents["pids"]).EnumerateDirectories()
            .Select(d => d.Name).Where(n => !CgroupOwner.OwnerAlive(n)).ToList();
        foreach (var name in orphans)
        {
            // Each hierarchy may hold the orphan or not (a crash between two mkdirs): the open handle removes what exists.
            using var orphan = CgroupV1.Open(_parents, name);
        }
        return orphans.Count;
    }
}
