namespace Parity.Tasks;

/// <summary>The silo's side of the task type table: each type's router and completion hooks, as registered.</summary>
public sealed class TaskHandlers(IEnumerable<ITaskRouter> routers, IEnumerable<ITaskFinishedHook> hooks)
{
    private readonly ITaskRouter[] _routers = routers.ToArray();
    private readonly ILookup<TaskType, ITaskFinishedHook> _hooks = hooks.ToLookup(h => h.Type);

    public ITaskRouter RouterFor(TaskType type) =>
        _routers.FirstOrDefault(r => r.Type == type) ?? _routers.Single(r => r.Type is null);

    public IEnumerable<ITaskFinishedHook> HooksFor(TaskType type) => _hooks[type];
}
