using Microsoft.Extensions.Logging;

namespace Parity.Llm;

/// <summary>
/// The models this runner can serve, across its LLM backends: read before the runner takes work, then every
/// RUNNER_MODELS_REFRESH_INTERVAL, and reported as a runner capability. A backend that cannot be reached contributes
/// nothing until it answers again. RUNNER_MODELS_DIR is created at start when missing (so a user finds where GGUF files
/// go) and watched: a file added, renamed into place or removed there is re-read within <see cref="WatchDelay"/> and
/// <see cref="Changed"/> tells the runner to announce it, instead of after up to a whole refresh interval.
/// </summary>
public sealed class RunnerModels(IEnumerable<ILlmBackend> backends, LlmOptions settings, ILogger<RunnerModels> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, string?> _lastError = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<LlmModelInfo> _current = [];
    private Task? _refreshing;
    private FileSystemWatcher? _watcher;
    private int _watchPending;
    private long _lastFileEvent;

    /// <summary>How long the models folder must be quiet (a copy raises many events) before the models are re-read.</summary>
    public static readonly TimeSpan WatchDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Raised after a re-read that the models directory's watcher caused.</summary>
    public event Action? Changed;

    public IReadOnlyList<LlmModelInfo> Current => _current;

    /// <summary>A backend that can pull models answered the last refresh: this runner can fetch a model it lacks.</summary>
    public ILlmBackend? Puller => _puller;

    private volatile ILlmBackend? _puller;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RunnerModels), ServiceLifecycleStage.ApplicationServices, OnStart, OnStop);

    private async Task OnStart(CancellationToken cancellation)
    {
        Watch(settings.Embedded.ModelsDirectory);
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

    private void Watch(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                IncludeSubdirectories = false,
            };
            // No filter: a download renames a hidden .part file to *.gguf, and the old name would not match one.
            watcher.Created += (_, e) => OnFileEvent(e.Name);
            watcher.Changed += (_, e) => OnFileEvent(e.Name);
            watcher.Deleted += (_, e) => OnFileEvent(e.Name);
            watcher.Renamed += (_, e) => OnFileEvent(e.Name, e.OldName);
            watcher.Error += (_, e) => logger.LogWarning(e.GetException(),
                "Watching RUNNER_MODELS_DIR {Directory} failed; new models show after RUNNER_MODELS_REFRESH_INTERVAL", directory);
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            logger.LogWarning("RUNNER_MODELS_DIR {Directory} cannot be created or watched ({Error}); new models show after " +
                              "RUNNER_MODELS_REFRESH_INTERVAL", directory, e.Message);
        }
    }

    private void OnFileEvent(params string?[] names)
    {
        if (!names.Any(n => n is not null && n.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))) return;
        Interlocked.Exchange(ref _lastFileEvent, Environment.TickCount64);
        if (Interlocked.Exchange(ref _watchPending, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            try
            {
                // Wait for the folder to be quiet: a file being copied in raises an event per write, and each re-read
                // of a changed file hashes it whole.
                while (Environment.TickCount64 - Interlocked.Read(ref _lastFileEvent) < WatchDelay.TotalMilliseconds)
                    await Task.Delay(WatchDelay, _stop.Token);
                Interlocked.Exchange(ref _watchPending, 0);
                await RefreshAsync(_stop.Token);
                Changed?.Invoke();
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Re-reading the models after a change in RUNNER_MODELS_DIR failed");
            }
        }, CancellationToken.None);
    }

    private async Task OnStop(CancellationToken cancellation)
    {
        _watcher?.Dispose();
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
