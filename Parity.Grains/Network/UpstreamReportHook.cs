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
