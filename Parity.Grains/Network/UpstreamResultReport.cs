using Parity.Tasks;

namespace Parity.Network;

/// <summary>Turns a finished task and its result into the upstream TaskResult (UPSTREAM.md §4).</summary>
public static class UpstreamResultReport
{
    /// <summary>
    /// The report owed for <paramref name="task"/>, or null when none is: a cancelled task is not reported, so the
    /// server's own timers hand it to another runner rather than record a result nobody produced.
    /// </summary>
    public static UpstreamTaskResult? For(ParityTask task, TaskResult? result, string deviceId)
    {
        if (task.Status is not (TaskState.Completed or TaskState.Failed)) return null;
        if (result is null)
        {
            // Failed without a run's result (every attempt lost, no runner could take it): the reason, as the reference
            // reports an executor's error.
            return new UpstreamTaskResult
            {
                TaskId = task.Id,
                DeviceId = deviceId,
                Error = task.Error ?? "failed",
                ExitCode = -1,
                CreatedAt = task.CompletedAt ?? task.UpdatedAt,
            };
        }
        return new UpstreamTaskResult
        {
            TaskId = task.Id,
            DeviceId = deviceId,
            // The reference's one output: stdout then stderr. A stream longer than RESULT_INLINE_LIMIT is its head here.
            Output = result.Stdout + result.Stderr,
            Error = result.Error,
            ExitCode = result.ExitCode,
            ExecutionTime = result.ExecutionTime,
            ResultHash = result.ResultHash,
            ImageHashVerified = result.ImageHashVerified,
            CommandHashVerified = result.CommandHashVerified,
            CreatedAt = result.CreatedAt,
            CpuSeconds = result.CpuSeconds,
            EstimatedCycles = result.EstimatedCycles,
            MemoryGbHours = result.MemoryGbHours,
            StorageGb = result.StorageGb,
            NetworkDataGb = result.NetworkDataGb,
            PromptTokens = result.PromptTokens,
            ResponseTokens = result.ResponseTokens,
            InferenceTimeMs = result.InferenceTimeMs,
        };
    }
}
