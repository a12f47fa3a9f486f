using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parity.Federation;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Network;

/// <summary>
/// Submits the model update of a completed <c>federated_learning</c> task from the upstream server to the server's
/// session (<c>POST /api/v1/federated-learning/model-updates</c>, UPSTREAM.md §7.2), after its result (the reference's
/// order). A completion hook like <see cref="UpstreamReportHook"/>, registered after it: the task grain stores that the
/// result went through before retrying this one, so a 5xx here never reports the result twice; the update is retried
/// with backoff (the client's, then the grain's timer and reminder) until the server takes it, and survives the death
/// of the silo holding the task. A refusal (4xx) is final and logged. A failed task submits nothing (its failure went
/// with the result), and neither does a task of the cluster's own sessions, which hand their updates to their session grain.
/// </summary>
public sealed class UpstreamModelUpdateHook(IServiceProvider services, TimeProvider clock, ILogger<UpstreamModelUpdateHook> logger) : ITaskFinishedHook
{
    public TaskType Type => TaskType.FederatedLearning;

    public async Task OnFinishedAsync(ParityTask task, TaskResult? result)
    {
        if (task.Upstream is not { } origin || task.Status != TaskState.Completed || result is null) return;
        var client = services.GetRequiredService<UpstreamClient>();
        if (For(task, result, origin.DeviceId ?? client.DeviceId, clock.GetUtcNow(), out var problem) is not { } update)
        {
            logger.LogWarning("Upstream task {TaskId}: no model update is submitted: {Problem}", task.Id, problem);
            return;
        }
        try
        {
            await client.SubmitModelUpdateAsync(update, CancellationToken.None);
            logger.LogInformation("Submitted the model update of upstream task {TaskId} (session {SessionId}, round {RoundId})",
                task.Id, update.SessionId, update.RoundId);
        }
        catch (UpstreamException e) when (!e.Transient)
        {
            logger.LogWarning("The upstream server refused the model update of task {TaskId}: {Problem}", task.Id, e.Message);
        }
    }

    /// <summary>
    /// The update owed for a completed task: its session and round from the task's config, the rest from the update
    /// the runner answered. Null, with the reason, when either does not read (neither can change on a retry).
    /// </summary>
    public static UpstreamModelUpdate? For(ParityTask task, TaskResult result, string runnerId, DateTimeOffset now, out string? problem)
    {
        problem = null;
        FederatedTaskConfig config;
        FederatedUpdate? trained;
        try
        {
            config = FederatedTaskConfig.Parse(task.Config);
            trained = JsonSerializer.Deserialize<FederatedUpdate>(result.Stdout, ParityJson.Options);
        }
        catch (TaskConfigException e)
        {
            problem = e.Message;
            return null;
        }
        catch (JsonException e)
        {
            problem = $"the task's output is not a model update ({e.Message})";
            return null;
        }
        if (trained is null)
        {
            problem = "the task's output is not a model update (null)";
            return null;
        }
        return new UpstreamModelUpdate
        {
            // The config's, which the server set, not whatever the output repeats.
            SessionId = config.SessionId,
            RoundId = config.RoundId,
            RunnerId = runnerId,
            Gradients = trained.Gradients,
            Weights = trained.Weights,
            DataSize = trained.DataSize,
            Loss = trained.Loss,
            Accuracy = trained.Accuracy,
            TrainingTime = trained.TrainingTimeMs,
            TrainingTimeMs = trained.TrainingTimeMs,
            Forest = trained.Forest,
            Metadata = new UpstreamModelUpdateMetadata
            {
                SubmissionTime = now.ToUnixTimeSeconds(),
                ModelType = trained.ModelType,
                DatasetCid = config.DatasetCid,
                TaskId = task.Id,
            },
        };
    }
}
