namespace Parity.Tasks;

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
