namespace Parity.Tasks;

/// <summary>An index shard's durable state: its tasks' summaries and how many it has expired.</summary>
[GenerateSerializer]
public sealed class TaskIndexRecord
{
    [Id(0)] public Dictionary<string, TaskSummary> Tasks { get; set; } = [];
    [Id(1)] public long Expired { get; set; }
}
