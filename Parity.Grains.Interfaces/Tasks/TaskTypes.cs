using Parity.Execution;
using Parity.Federation;
using Parity.Llm;

namespace Parity.Tasks;

/// <summary>
/// The task type table: every type is declared here once. Its config parser runs on the gateway (a bad config is a 400
/// naming the field) and again on the runner that executes it, which hands the typed config to its executor. What a
/// runner does with a type (executor, routing, completion hooks) is registered against the same <see cref="TaskType"/>
/// on the silo.
/// </summary>
public static class TaskTypes
{
    public static IReadOnlyList<TaskTypeSpec> All { get; } =
    [
        new(TaskType.Command, "command", task => ShellTaskConfig.Parse(task.Config),
            "shell tasks are off: they need RUNNER_SHELL_ENABLED=true (off by default once RUNNER_WEBHOOK_SECRET is set) and a machine that can sandbox them (bubblewrap, user namespaces, cgroups; the runner's log says what is missing)",
            ShellTaskConfig.RefuseUnknownFields, FixedAtStart: true, StoresLongOutput: true),
        new(TaskType.Docker, "docker", DockerTaskConfig.Parse,
            "no runner has a Docker engine answering at its RUNNER_DOCKER_HOST", DockerTaskConfig.RefuseUnknownFields,
            StoresLongOutput: true),
        new(TaskType.Llm, "llm", LlmTaskConfig.Parse,
            "no runner serves an LLM model or can pull one", LlmTaskConfig.RefuseUnknownFields),
        new(TaskType.FederatedLearning, "federated_learning", task => FederatedTaskConfig.Parse(task.Config),
            "no runner trains federated models", FederatedTaskConfig.RefuseUnknownFields, FixedAtStart: true),
    ];

    private static readonly Dictionary<TaskType, TaskTypeSpec> ByType = All.ToDictionary(t => t.Type);
    private static readonly Dictionary<string, TaskTypeSpec> ByWireName = All.ToDictionary(t => t.WireName, StringComparer.Ordinal);

    public static TaskTypeSpec Of(TaskType type) => ByType[type];

    /// <summary>The type with this wire name (exact, lower case), or null.</summary>
    public static TaskTypeSpec? FromWireName(string name) => ByWireName.GetValueOrDefault(name);

    public static string WireNames => string.Join(", ", All.Select(t => t.WireName));

    /// <summary>Parses and validates the task's config for its type; a <see cref="TaskConfigException"/> names the field.</summary>
    public static object ParseConfig(ParityTask task) => Of(task.Type).ParseConfig(task);
}
