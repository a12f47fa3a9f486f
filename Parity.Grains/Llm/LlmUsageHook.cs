using Parity.Tasks;

namespace Parity.Llm;

/// <summary>Adds a completed prompt's usage to its client's totals (the usage grain counts each prompt id once).</summary>
public sealed class LlmUsageHook(IGrainFactory grains, TimeProvider clock) : ITaskFinishedHook
{
    public TaskType Type => TaskType.Llm;

    public async Task OnFinishedAsync(ParityTask task, TaskResult? result)
    {
        if (task.Status != TaskState.Completed || result?.Usage is not { } usage) return;
        var record = new LlmUsageRecord
        {
            PromptId = task.Id,
            ClientId = task.ClientId ?? task.CreatorAddress ?? "anonymous",
            Model = usage.Model ?? LlmTaskConfig.ModelOf(task) ?? "",
            Runner = result.Runner,
            Usage = usage,
            CompletedAt = task.CompletedAt ?? clock.GetUtcNow(),
        };
        await grains.GetGrain<ILlmUsageGrain>(record.ClientId).Record(record);
        // After the record: a hook that failed is run again, and the prompt must be metered once, as its usage is.
        LlmMetrics.RecordPrompt(record.Model, usage);
    }
}
