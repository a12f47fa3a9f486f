using Parity.Tasks;

namespace Parity.Execution;

/// <summary>One attempt of a task on this runner, with its config parsed once by the task type table.</summary>
public sealed record TaskRun(ParityTask Task, object Config, int Attempt)
{
    /// <summary>Parses the task's config for its type; a <see cref="TaskConfigException"/> names the field.</summary>
    public static TaskRun Of(ParityTask task, int attempt) => new(task, TaskTypes.ParseConfig(task), attempt);
}
