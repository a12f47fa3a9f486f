namespace Parity.Tasks;

/// <summary>
/// Decides which runners may take a task of one type. Registered per type on the silo; types without their own router
/// go to the runners whose capabilities list the type (<see cref="DirectoryTaskRouter"/>).
/// </summary>
public interface ITaskRouter
{
    /// <summary>The type this router serves; null for the fallback router of every other type.</summary>
    TaskType? Type { get; }

    /// <param name="config">The task's config as the type table parsed it (once per activation of the task's grain).</param>
    /// <param name="runnerHint">A runner that just announced a free slot: offer it first if it can take the task.</param>
    Task<TaskRoute> RouteAsync(ParityTask task, object config, string? runnerHint);
}
