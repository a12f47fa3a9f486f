namespace Parity.Tasks;

/// <summary>Task types of the upstream protocol (wire: command, docker, llm, federated_learning).</summary>
[GenerateSerializer]
public enum TaskType
{
    Command,
    Docker,
    Llm,
    FederatedLearning,
}

/// <summary>A task's lifecycle (wire: pending, running, completed, failed, cancelled).</summary>
[GenerateSerializer]
public enum TaskState
{
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

public static class TaskStateExtensions
{
    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;
}

/// <summary>What a submission did.</summary>
[GenerateSerializer]
public enum SubmitOutcome
{
    /// <summary>New task, stored and queued for dispatch.</summary>
    Accepted,
    /// <summary>A task with this id is already known; nothing changed.</summary>
    Duplicate,
    /// <summary>The cluster's queue is full; nothing was stored.</summary>
    Busy,
}

/// <summary>What a cancel request did.</summary>
[GenerateSerializer]
public enum CancelOutcome
{
    Cancelled,
    AlreadyFinished,
    NotFound,
}
