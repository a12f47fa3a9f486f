using Microsoft.Extensions.Logging;
using Parity.Configuration;

namespace Parity.Llm;

/// <summary>
/// The model pulls running on this runner, asked for by model grains. Each runs in the background on the backend that
/// can pull (Ollama), bounded by RUNNER_MODEL_PULL_TIMEOUT; its progress goes to the model's grain at most every
/// <see cref="ReportEvery"/>, and once the model is fetched the runner re-reads its models so the cluster sees it.
/// Only models RUNNER_MODEL_PULL_ALLOW allows are pulled, at most RUNNER_MODEL_PULL_CONCURRENCY at once: a prompt can
/// name any model, and each pull costs gigabytes of download and disk and up to RUNNER_MODEL_PULL_TIMEOUT.
/// </summary>
public sealed class ModelPulls(
    RunnerModels models,
    LlmOptions settings,
    ClusteringOptions cluster,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<ModelPulls> logger)
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<string, Task> _running = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Raised when a pull succeeded and the runner's models include it, so the runner announces it at once.</summary>
    public event Action? Pulled;

    /// <summary>
    /// Starts pulling <paramref name="model"/> (or joins the pull already running), or says why not, naming the key or
    /// limit that refuses it.
    /// </summary>
    public ModelPullAnswer TryStart(string model)
    {
        if (_stop.IsCancellationRequested) return new ModelPullAnswer { Refused = $"runner {cluster.SiloName} is stopping" };
        if (!settings.PullAllow.Allows(model))
            return new ModelPullAnswer { Refused = settings.PullAllow.Refusal(model, cluster.SiloName) };
        if (models.Puller is not { } backend)
            return new ModelPullAnswer { Refused = $"runner {cluster.SiloName} cannot pull: no Ollama answers at OLLAMA_URL" };
        lock (_running)
        {
            if (_running.ContainsKey(model)) return ModelPullAnswer.Started;
            if (_running.Count >= settings.PullConcurrency)
                return new ModelPullAnswer
                {
                    Busy = true,
                    Refused = $"runner {cluster.SiloName} already runs {_running.Count} model pulls, " +
                              $"the limit RUNNER_MODEL_PULL_CONCURRENCY ({settings.PullConcurrency})",
                };
            // The pull removes itself under this lock when it ends, so it cannot end before it is counted here.
            _running[model] = Task.Run(() => PullAsync(backend, model));
        }
        return ModelPullAnswer.Started;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        Task[] running;
        lock (_running) running = _running.Values.ToArray();
        await Task.WhenAll(running);
    }

    private async Task PullAsync(ILlmBackend backend, string model)
    {
        var target = grains.GetGrain<IModelGrain>(ModelGrainKey.Of(model));
        var state = new LlmPullState { Model = model, Runner = cluster.SiloName, Status = "starting", StartedAt = clock.GetUtcNow() };
        var lastReport = DateTimeOffset.MinValue;
        void Report(LlmPullState next, bool force)
        {
            state = next with { UpdatedAt = clock.GetUtcNow() };
            if (!force && state.UpdatedAt - lastReport < ReportEvery) return;
            lastReport = state.UpdatedAt;
            target.ReportPull(state).Ignore();
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        bounded.CancelAfter(settings.PullTimeout);
        try
        {
            logger.LogInformation("Pulling model {Model} on the {Backend} backend", model, backend.Name);
            await backend.PullAsync(model,
                new SynchronousProgress<LlmPullProgress>(p =>
                    Report(state with { Status = p.Status, Completed = p.Completed, Total = p.Total }, force: false)),
                bounded.Token);
            await models.RefreshAsync(bounded.Token);
            Pulled?.Invoke();
            LlmMetrics.RecordPull(model, succeeded: true);
            Report(state with { Status = "success", Done = true }, force: true);
        }
        catch (Exception e) when (e is LlmException or OperationCanceledException)
        {
            var error = e is LlmException ? e.Message
                : _stop.IsCancellationRequested ? $"runner {cluster.SiloName} stopped while pulling model '{model}'"
                : $"pulling model '{model}' on {cluster.SiloName} took longer than RUNNER_MODEL_PULL_TIMEOUT ({settings.PullTimeout})";
            logger.LogWarning("Pulling model {Model} failed: {Error}", model, error);
            LlmMetrics.RecordPull(model, succeeded: false);
            Report(state with { Error = error, Done = true }, force: true);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Pulling model {Model} failed", model);
            LlmMetrics.RecordPull(model, succeeded: false);
            Report(state with { Error = $"pulling model '{model}' on {cluster.SiloName} failed: {e.Message}", Done = true }, force: true);
        }
        finally
        {
            lock (_running) _running.Remove(model);
        }
    }
}
