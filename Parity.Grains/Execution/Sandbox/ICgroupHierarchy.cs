namespace Parity.Execution.Sandbox;

/// <summary>Where this silo makes its tasks' cgroups: a parity-owned parent in cgroup v1 or v2 (see <see cref="CgroupDetector"/>).</summary>
public interface ICgroupHierarchy
{
    /// <summary>"cgroup v1 (memory at /sys/fs/cgroup/memory/parity, ...)" or "cgroup v2 at ...", for the log.</summary>
    string Description { get; }

    /// <summary>
    /// Makes a task cgroup named after its owner, this process unless <paramref name="owner"/> says another
    /// (<see cref="CgroupOwner"/>; tests of orphan cleanup), and <paramref name="name"/>.
    /// </summary>
    ITaskCgroup Create(string name, CgroupLimits limits, string? owner = null);

    /// <summary>Kills and removes the task cgroups whose silo process is gone (a crash); returns how many.</summary>
    int RemoveOrphans();
}
