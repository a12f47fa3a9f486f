namespace Parity.Execution.Sandbox;

/// <summary>cgroup v2: task cgroups under one "parity" parent whose subtree has the memory, pids and cpu controllers.</summary>
public sealed class CgroupV2Hierarchy(string parent) : ICgroupHierarchy
{
    public static readonly string[] Required = ["memory", "pids", "cpu"];

    public string Description => $"cgroup v2 at {parent}";

    public ITaskCgroup Create(string name, CgroupLimits limits, string? owner = null) =>
        new CgroupV2(parent, (owner ?? CgroupOwner.Prefix) + name, limits);

    public int RemoveOrphans()
    {
        var orphans = new DirectoryInfo(parent).EnumerateDirectories()
            .Select(d => d.Name).Where(n => !CgroupOwner.OwnerAlive(n)).ToList();
        foreach (var name in orphans)
        {
            using var orphan = CgroupV2.Open(parent, name);
        }
        return orphans.Count;
    }
}
