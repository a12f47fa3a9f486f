namespace Parity.Execution.Sandbox;

/// <summary>
/// One task's cgroup: limits set when it is made, processes added before they run, every process in it killed at
/// once, usage read from the kernel's own counters. Disposing kills what is left and removes it.
/// </summary>
public interface ITaskCgroup : IDisposable
{
    /// <summary>The cgroup's directory (v2) or its directory in the memory hierarchy (v1), for messages.</summary>
    string Path { get; }

    /// <summary>Moves <paramref name="pid"/> in; its later children are born inside.</summary>
    void Add(int pid);

    /// <summary>SIGKILLs every process in the cgroup, forks racing the kill included, and returns once it is empty.</summary>
    void KillAll();

    /// <summary>CPU time, peak memory and OOM kills of every process that ever ran in the cgroup.</summary>
    CgroupUsage Usage();
}
