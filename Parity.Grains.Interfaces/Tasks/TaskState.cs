namespace Parity.Tasks;

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
