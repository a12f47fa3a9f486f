using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parity.Tasks;

namespace Parity.Network;

/// <summary>
/// Reports an upstream task's result back to the server, as a completion hook of its task type: the task grain has
/// persisted the outcome (and that this hook is owed) before it runs, keeps calling it on its timer while it throws, and
/// persists that it succeeded; so a report survives the death of the silo that ran or holds the task, and is retried
/// with backoff (the client's, then the grain's) while the server is down or answers 5xx. Registered after every other
/// hook, so once the server has acknowledged, nothing else can make the grain call it again. A refusal (4xx: the task
/// is another runner's, the server does not know it) is final: logged, not retried forever.
/// </summary>
public sealed class UpstreamReportHook(TaskType type, IServiceProvider services, ILogger<UpstreamReportHook> logger) : ITaskFinishedHook
{
    public TaskType Type { get; } = type;

    public async Task OnFinishedAsync(ParityTask task, TaskResult? result)
    {
        if (task.Upstream is not { } origin) return;
        // A typed client per report, so its handler is the factory's current one.
        var client = services.GetRequiredService<UpstreamClient>();
        var deviceId = origin.DeviceId ?? client.DeviceId;
        if (UpstreamResultReport.For(task, result, deviceId) is not { } report) return;
        // An LLM prompt is completed on the prompt routes first (what the reference server bills and answers its client
        // from); the result then completes the task too, which the reference left running to be re-dispatched (§15.12).
        // A repeated completion is a 200 there, so a retry of this hook after a failed result report is harmless.
        if (task.Type == TaskType.Llm && task.Status == TaskState.Completed && result is not null)
        {
            try
            {
                await client.CompletePromptAsync(task.Id, new PromptCompletion
                {
                    Response = result.Stdout,
                    PromptTokens = result.PromptTokens ?? 0,
                    ResponseTokens = result.ResponseTokens,
                    InferenceTimeMs = result.InferenceTimeMs,
                }, deviceId, CancellationToken.None);
            }
            catch (UpstreamException e) when (!e.Transient)
            {
                logger.LogWarning("The upstream server refused the completion of prompt {TaskId}: {Problem}", task.Id, e.Message);
            }
        }
        try
        {
            await client.ReportResultAsync(report, deviceId, CancellationToken.None);
            logger.LogInformation("Reported the result of upstream task {TaskId}", task.Id);
        }
        catch (UpstreamException e) when (!e.Transient)
        {
            logger.LogWarning("The upstream server refused the result of task {TaskId}: {Problem}", task.Id, e.Message);
        }
    }
}
