using Microsoft.Extensions.Logging;

namespace Parity.Llm;

/// <summary>
/// The models this runner can serve, across its LLM backends: read before the runner takes work, then every
/// RUNNER_MODELS_REFRESH_INTERVAL, and reported as a runner capability. A backend that cannot be reached contributes
/// nothing until it answers again.
/// </summary>
public sealed class RunnerModels(IEnumerable<ILlmBackend> backends, LlmOptions settings, ILogger<RunnerModels> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, string?> _lastError = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<LlmModelInfo> _current = [];
    private Task? _refreshing;

    public IReadOnlyList<LlmModelInfo> Current => _current;

    /// <summary>A backend that can pull models answered the last refresh: this runner can fetch a model it lacks.</summary>
    public ILlmBackend? Puller => _puller;

    private volatile ILlmBackend? _puller;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RunnerModels), ServiceLifecycleStage.ApplicationServices, OnStart, OnStop);

    private async Task OnStart(CancellationToken cancellation)
    {
        await RefreshAsync(cancellation);
        _refreshing = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(settings.RefreshInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token)) await RefreshAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
    }

    private async Task OnStop(CancellationToken cancellation)
    {
        await _stop.CancelAsync();
        if (_refreshing is not null) await _refreshing;
    }

    public async Task RefreshAsync(CancellationToken cancellation)
    {
        var models = new List<LlmModelInfo>();
        ILlmBackend? puller = null;
        foreach (var backend in backends)
        {
            string? error = null;
            try
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                bounded.CancelAfter(ListTimeout);
                models.AddRange(await backend.ListModelsAsync(bounded.Token));
                if (backend.CanPull) puller ??= backend;
            }
            catch (Exception e) when (e is LlmException or IOException or UnauthorizedAccessException
                                           || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
            {
                error = e.Message;
            }
            lock (_lastError)
            {
                _lastError.TryGetValue(backend.Name, out var before);
                if (error != before && error is not null)
                    logger.LogInformation("The {Backend} LLM backend lists no models: {Error}", backend.Name, error);
                _lastError[backend.Name] = error;
            }
        }
        _current = models;
        _puller = puller;
    }
}
