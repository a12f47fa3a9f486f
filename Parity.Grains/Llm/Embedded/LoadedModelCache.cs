using System.Diagnostics;

namespace Parity.Llm.Embedded;

/// <summary>
/// The weights in memory, shared by concurrent prompts: loaded on first use, at most
/// <see cref="EmbeddedLlmOptions.MaxLoadedModels"/> kept (the least recently used, idle ones first, unloading when
/// another is needed; RUNNER_LLM_MAX_LOADED_MODELS), and those idle for <see cref="EmbeddedLlmOptions.IdleUnload"/>
/// unloaded. A model still generating when it is evicted is freed when its last prompt ends.
/// </summary>
internal sealed class LoadedModelCache : IDisposable
{
    private readonly EmbeddedLlmOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LoadedModel> _loaded = new(StringComparer.Ordinal); // by file path
    private readonly SemaphoreSlim _loading = new(1, 1); // one load at a time: memory, and native log lines that belong to it
    private readonly Timer? _idleTimer;
    private bool _disposed;

    public LoadedModelCache(EmbeddedLlmOptions options)
    {
        _options = options;
        if (options.IdleUnload is { } idle)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idle, TimeSpan.Zero);
            var period = TimeSpan.FromTicks(Math.Clamp(idle.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond * 30));
            _idleTimer = new Timer(_ => UnloadIdle(idle), null, period, period);
        }
    }

    public bool Disposed
    {
        get
        {
            lock (_gate) return _disposed;
        }
    }

    /// <summary>
    /// The loaded model for this version of the file, loading it when needed; true when this call waited for a load.
    /// Each acquire is matched by a <see cref="Release"/>.
    /// </summary>
    public (LoadedModel Model, bool LoadedNow) Acquire(string path, ModelFile file, CancellationToken cancellation)
    {
        lock (_gate)
        {
            // Disposing is the backend's: the exception names it, as callers see no cache.
            ObjectDisposedException.ThrowIf(_disposed, typeof(EmbeddedLlmBackend));
            if (LeaseLocked(path, file.Stamp) is { } warm) return (warm, false);
        }
        _loading.Wait(cancellation);
        try
        {
            // Another prompt may have loaded it while this one waited: that wait was load time too.
            lock (_gate)
                if (LeaseLocked(path, file.Stamp) is { } justLoaded) return (justLoaded, true);

            var model = LoadedModel.Load(path, file, _options.ContextSize);

            var unload = new List<LoadedModel>();
            lock (_gate)
            {
                if (_disposed) unload.Add(model);
                else
                {
                    if (_loaded.Remove(path, out var stale) && Retire(stale)) unload.Add(stale); // the file was replaced
                    while (_loaded.Count >= _options.MaxLoadedModels)
                    {
                        var victim = _loaded.Values.OrderBy(m => m.Users > 0).ThenBy(m => m.LastUsed).First();
                        _loaded.Remove(victim.Path);
                        if (Retire(victim)) unload.Add(victim);
                    }
                    _loaded[path] = model;
                }
            }
            foreach (var gone in unload) gone.Weights.Dispose();
            ObjectDisposedException.ThrowIf(unload.Contains(model), typeof(EmbeddedLlmBackend));
            return (model, true);
        }
        finally
        {
            _loading.Release();
        }
    }

    public void Release(LoadedModel model)
    {
        bool free;
        lock (_gate)
        {
            model.Users--;
            model.LastUsed = Stopwatch.GetTimestamp();
            free = model.Retired && model.Users == 0;
        }
        if (free) model.Weights.Dispose();
    }

    public bool IsLoaded(string path, FileStamp stamp)
    {
        lock (_gate) return _loaded.TryGetValue(path, out var model) && model.Stamp == stamp;
    }

    /// <summary>Unloads every model; those still generating are freed when their last prompt ends.</summary>
    public void Dispose()
    {
        List<LoadedModel> unload;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            unload = _loaded.Values.Where(Retire).ToList();
            _loaded.Clear();
        }
        _idleTimer?.Dispose();
        foreach (var model in unload) model.Weights.Dispose();
    }

    private LoadedModel? LeaseLocked(string path, FileStamp stamp)
    {
        if (!_loaded.TryGetValue(path, out var model) || model.Stamp != stamp) return null;
        model.Users++;
        model.LastUsed = Stopwatch.GetTimestamp();
        return model;
    }

    /// <summary>Marks an unloaded model; true when nobody uses it, so the caller frees it (outside the lock).</summary>
    private static bool Retire(LoadedModel model)
    {
        model.Retired = true;
        return model.Users == 0;
    }

    private void UnloadIdle(TimeSpan idle)
    {
        List<LoadedModel> unload;
        lock (_gate)
        {
            unload = _loaded.Values.Where(m => m.Users == 0 && Stopwatch.GetElapsedTime(m.LastUsed) >= idle).ToList();
            foreach (var model in unload)
            {
                _loaded.Remove(model.Path);
                Retire(model);
            }
        }
        foreach (var model in unload) model.Weights.Dispose();
    }
}
