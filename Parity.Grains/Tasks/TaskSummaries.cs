namespace Parity.Tasks;

public static class TaskSummaries
{
    /// <summary>The task's entry in the cluster's task index.</summary>
    public static TaskSummary Summary(this ParityTask task) => new()
    {
        Id = task.Id,
        Title = task.Title,
        Type = task.Type,
        Status = task.Status,
        CreatedAt = task.CreatedAt,
        UpdatedAt = task.UpdatedAt,
        Runner = task.Runner,
    };
}
