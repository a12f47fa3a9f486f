namespace Parity.Tasks;

/// <summary>
/// One row of the task type table: the type's wire name, its config parser (pure: the gateway validates with it, the
/// runner receives what it returns), and what a runner needs to take the type, for the message a task gets when no
/// runner in the cluster can. <paramref name="FixedAtStart"/>: whether a runner decides once, at start, if it takes the
/// type (shell tasks: RUNNER_SHELL_ENABLED and the sandbox check), so that when no runner the cluster knows takes it,
/// waiting cannot help and the task fails at once. <paramref name="RefuseUnknownFields"/>: throws for a field of the
/// config (or environment config) the type does not take; Parity's own task route runs it, upstream pushes do not.
/// <paramref name="StoresLongOutput"/>: a stream longer than RESULT_INLINE_LIMIT goes to the runner's output store
/// (shell and Docker logs); the other types' stdout is their product (a completion, a model update), which grains read
/// whole from the result, and stays in it.
/// </summary>
public sealed record TaskTypeSpec(TaskType Type, string WireName, Func<ParityTask, object> ParseConfig, string RunnerNeeds,
    Action<ParityTask> RefuseUnknownFields, bool FixedAtStart = false, bool StoresLongOutput = false);
