using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using LLama.Sampling;

namespace Parity.Llm.Embedded;

/// <summary>
/// Runs prompts in-process with llama.cpp (LLamaSharp) on the GGUF files in <see cref="EmbeddedLlmOptions.ModelsDirectory"/>,
/// each served under its file name without <c>.gguf</c> (matched by <see cref="ModelNames"/>).
/// <list type="bullet">
/// <item>Weights load on first use and stay loaded, shared by concurrent prompts; at most
/// <see cref="EmbeddedLlmOptions.MaxLoadedModels"/> are kept, the least recently used (idle ones first) unloading when
/// another is needed. A model still generating when it is evicted is freed when its last prompt ends.</item>
/// <item>Each prompt gets its own llama.cpp context, sized to its prompt plus max tokens (rounded up to 256, at most
/// the model's context), and runs on its own thread, so the caller's thread never blocks.</item>
/// <item>Sampling: temperature null or 0 is greedy (deterministic); above 0, llama.cpp's default chain (top-k 40,
/// top-p 0.9, min-p 0.1) with that temperature and <see cref="LlmRequest.Seed"/> (random when null).</item>
/// <item>Counting: prompt tokens are the tokens evaluated, BOS included; completion tokens are the tokens the model
/// sampled as output, counted in the sampling loop, including those that formed a stop string and excluding the
/// end-of-generation token. Cached prompt tokens are null: every prompt is evaluated in a fresh context.</item>
/// <item>Stop strings end generation (finish reason "stop") and are neither streamed nor in the final text; text that
/// could be the start of a stop string is held back until the next token settles it.</item>
/// <item>Messages go through the model's own chat template (<c>tokenizer.chat_template</c>); a model without one
/// rejects messages with an <see cref="LlmException"/> rather than guessing a format.</item>
/// </list>
/// Usage times: LoadMs is digest + weight loading (0 when the model was loaded already), PrefillMs is the chat
/// template, tokenization, context creation and prompt evaluation, DecodeMs the sampling loop, TotalMs all of it.
/// </summary>
public sealed class EmbeddedLlmBackend : ILlmBackend
{
    private readonly EmbeddedLlmOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LoadedModel> _loaded = new(StringComparer.Ordinal); // by file path
    private readonly SemaphoreSlim _loading = new(1, 1); // one load at a time: memory, and native log lines that belong to it
    private readonly ConcurrentDictionary<string, ModelFile> _files = new(StringComparer.Ordinal);
    private readonly Timer? _idleTimer;
    private int _activeGenerations;
    private bool _disposed;

    public EmbeddedLlmBackend(EmbeddedLlmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ModelsDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ContextSize, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLoadedModels, 1);
        _options = options;
        ConfigureNativeLibrary();
        if (options.IdleUnload is { } idle)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idle, TimeSpan.Zero);
            var period = TimeSpan.FromTicks(Math.Clamp(idle.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond * 30));
            _idleTimer = new Timer(_ => UnloadIdle(idle), null, period, period);
        }
    }

    public string Name => "embedded";

    public bool CanPull => false;

    /// <summary>
    /// Routes llama.cpp's log into the backend (kept for load errors, never printed). Constructing a backend does this;
    /// code that uses LLamaSharp directly before any backend exists must call it first, as llama.cpp takes its log
    /// callback when its native library loads.
    /// </summary>
    public static void ConfigureNativeLibrary() => LlamaNativeLog.Install();

    /// <summary>Prompts running now (tests: native resources are released when a generation ends).</summary>
    internal int ActiveGenerations => Volatile.Read(ref _activeGenerations);

    public Task<IReadOnlyList<LlmModelInfo>> ListModelsAsync(CancellationToken cancellation) =>
        Task.Run<IReadOnlyList<LlmModelInfo>>(() =>
        {
            var models = new List<LlmModelInfo>();
            foreach (var (name, path) in ModelFiles())
            {
                cancellation.ThrowIfCancellationRequested();
                if (Describe(path) is not { } file) continue; // deleted meanwhile
                models.Add(new LlmModelInfo
                {
                    Name = name,
                    Backend = Name,
                    Loaded = IsLoaded(path, file.Stamp),
                    ContextLength = file.Header?.ContextLength is { } trained ? Math.Min(trained, _options.ContextSize) : null,
                    SizeBytes = file.Stamp.Length,
                    Quantization = file.Header?.Quantization,
                    Digest = file.TryDigest(),
                });
            }
            return models;
        }, cancellation);

    public async IAsyncEnumerable<LlmStreamItem> GenerateAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Not passing the token to StartNew: the worker must always run, to complete the channel.
        var worker = Task.Factory.StartNew(() =>
        {
            try
            {
                return Generate(request, pieces.Writer, stop.Token);
            }
            finally
            {
                pieces.Writer.TryComplete();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            await foreach (var piece in pieces.Reader.ReadAllAsync(CancellationToken.None))
            {
                // The worker may be tokens ahead; a cancelled caller gets no more of them.
                cancellation.ThrowIfCancellationRequested();
                yield return new LlmToken(piece);
            }
            var completion = await worker;
            cancellation.ThrowIfCancellationRequested();
            yield return completion;
        }
        finally
        {
            // Cancelled, failed or abandoned by the caller: stop the worker and wait until it has freed its context.
            await stop.CancelAsync();
            await ((Task)worker).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public Task PullAsync(string model, IProgress<LlmPullProgress> progress, CancellationToken cancellation) =>
        Task.FromException(new LlmException(
            $"the embedded backend serves GGUF files from RUNNER_MODELS_DIR; copy {model}.gguf there (it cannot pull)"));

    public ValueTask DisposeAsync()
    {
        List<LoadedModel> unload;
        lock (_gate)
        {
            if (_disposed) return ValueTask.CompletedTask;
            _disposed = true;
            unload = _loaded.Values.Where(Retire).ToList();
            _loaded.Clear();
        }
        _idleTimer?.Dispose();
        foreach (var model in unload) model.Weights.Dispose();
        return ValueTask.CompletedTask;
    }

    private LlmCompletion Generate(LlmRequest request, ChannelWriter<string> output, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        cancellation.ThrowIfCancellationRequested();
        var chat = request.Messages is { Count: > 0 };
        if (!chat && request.Prompt is null) throw new LlmException("the request has neither a prompt nor messages");
        if (request.MaxTokens < 0) throw new LlmException($"max_tokens cannot be negative ({request.MaxTokens})");

        var (name, path) = Find(request.Model);
        var file = Describe(path) ?? throw new LlmException($"model file '{path}' has disappeared");
        if (file.Problem is not null) throw new LlmException($"cannot load model file '{path}': {file.Problem}");
        var (model, loadedNow) = Acquire(path, file, cancellation);
        Interlocked.Increment(ref _activeGenerations);
        try
        {
            var loaded = Stopwatch.GetTimestamp();
            var weights = model.Weights;
            var prompt = chat ? ApplyTemplate(name, weights, request.Messages!) : request.Prompt!;
            var tokens = Tokenize(weights, prompt, special: chat);
            if (tokens.Length == 0) throw new LlmException("the prompt is empty");
            if (tokens.Length >= model.ContextSize)
                throw new LlmException($"the prompt is {tokens.Length} tokens; model '{name}' runs with a context of {model.ContextSize}");
            var maxTokens = Math.Min(request.MaxTokens ?? int.MaxValue, model.ContextSize - tokens.Length);
            // The KV cache takes memory per token of context: allocate what this prompt can use, not the whole window.
            var contextSize = Math.Min(model.ContextSize, (tokens.Length + maxTokens + 255) / 256 * 256);

            using var context = CreateContext(name, path, weights, contextSize);
            var batch = new LLamaBatch();
            var batchSize = (int)context.BatchSize;
            for (var start = 0; start < tokens.Length; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, tokens.Length - start);
                batch.Clear();
                batch.AddRange(tokens.AsSpan(start, count), start, LLamaSeqId.Zero, start + count == tokens.Length);
                Decode(context, batch);
            }
            var prefilled = Stopwatch.GetTimestamp();

            using var sampler = Sampler(request);
            var decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
            var filter = new StopSequenceFilter(request.Stop ?? []);
            var generated = 0;
            var finish = "length";
            while (generated < maxTokens)
            {
                cancellation.ThrowIfCancellationRequested();
                // Sample also feeds the token to the sampler chain (llama_sampler_sample accepts it): no Accept call.
                var token = sampler.Sample(context.NativeHandle, batch.TokenCount - 1);
                if (token.IsEndOfGeneration(weights.Vocab))
                {
                    finish = "stop";
                    break;
                }
                generated++;
                decoder.Add(token);
                var released = filter.Append(decoder.Read());
                if (released.Length > 0) output.TryWrite(released);
                if (filter.Stopped)
                {
                    finish = "stop";
                    break;
                }
                if (generated == maxTokens) break; // the last token needs no evaluation
                batch.Clear();
                batch.Add(token, tokens.Length + generated - 1, LLamaSeqId.Zero, true);
                Decode(context, batch);
            }
            var rest = filter.Flush();
            if (rest.Length > 0) output.TryWrite(rest);
            var done = Stopwatch.GetTimestamp();

            return new LlmCompletion(filter.Text, new LlmUsage
            {
                PromptTokens = tokens.Length,
                CachedPromptTokens = null,
                CompletionTokens = generated,
                LoadMs = loadedNow ? Stopwatch.GetElapsedTime(started, loaded).TotalMilliseconds : 0,
                PrefillMs = Stopwatch.GetElapsedTime(loaded, prefilled).TotalMilliseconds,
                DecodeMs = Stopwatch.GetElapsedTime(prefilled, done).TotalMilliseconds,
                TotalMs = Stopwatch.GetElapsedTime(started, done).TotalMilliseconds,
                ModelDigest = model.Digest,
                FinishReason = finish,
            });
        }
        finally
        {
            Interlocked.Decrement(ref _activeGenerations);
            Release(model);
        }
    }

    private LLamaContext CreateContext(string name, string path, LLamaWeights weights, int contextSize)
    {
        var mark = LlamaNativeLog.Mark();
        try
        {
            return weights.CreateContext(new ModelParams(path)
            {
                ContextSize = (uint)contextSize,
                GpuLayerCount = 0,
                Threads = _options.Threads,
                BatchThreads = _options.Threads,
            });
        }
        catch (Exception e)
        {
            throw new LlmException(
                $"llama.cpp cannot create a context of {contextSize} tokens for model '{name}': {LlamaNativeLog.ProblemsSince(mark) ?? e.Message}", e);
        }
    }

    private static ISamplingPipeline Sampler(LlmRequest request)
    {
        if (request.Temperature is not (> 0 and var temperature)) return new GreedySamplingPipeline();
        var seed = request.Seed is { } s ? (uint)(s ^ (s >>> 32)) : (uint)Random.Shared.NextInt64(1L << 32);
        return new DefaultSamplingPipeline { Temperature = temperature, Seed = seed };
    }

    private static string ApplyTemplate(string name, LLamaWeights weights, IReadOnlyList<LlmMessage> messages)
    {
        LLamaTemplate template;
        try
        {
            template = new LLamaTemplate(weights, strict: true) { AddAssistant = true };
        }
        catch (TemplateNotFoundException)
        {
            throw new LlmException(
                $"model '{name}' has no chat template (tokenizer.chat_template in its GGUF file); send a plain prompt instead of messages");
        }
        foreach (var message in messages) template.Add(message.Role, message.Content);
        try
        {
            return Encoding.UTF8.GetString(template.Apply());
        }
        catch (Exception e)
        {
            throw new LlmException($"llama.cpp cannot apply the chat template of model '{name}': {e.Message}", e);
        }
    }

    // Templated prompts are tokenized with special tokens parsed (<|im_start|> is one control token); plain prompts
    // are text only, so a user cannot smuggle control tokens in.
    private static LLamaToken[] Tokenize(LLamaWeights weights, string text, bool special)
    {
        var tokens = weights.Tokenize(text, weights.Vocab.ShouldAddBOS, special, Encoding.UTF8);
        // Templates that spell out BOS themselves would otherwise get it twice.
        if (special && tokens.Length > 1 && weights.Vocab.BOS is { } bos && tokens[0] == bos && tokens[1] == bos)
            tokens = tokens[1..];
        return tokens;
    }

    private static void Decode(LLamaContext context, LLamaBatch batch)
    {
        var result = context.Decode(batch);
        if (result != DecodeResult.Ok) throw new LlmException($"llama.cpp could not evaluate the tokens ({result})");
    }

    private (string Name, string Path) Find(string requested)
    {
        var files = ModelFiles();
        var names = files.Select(f => f.Name).ToList();
        if (ModelNames.Resolve(requested, names) is { } name) return files.First(f => f.Name == name);
        var ambiguous = ModelNames.Ambiguity(requested, names);
        if (ambiguous.Count > 0)
            throw new LlmException($"model '{requested}' is ambiguous on this runner; name one of: {string.Join(", ", ambiguous)}");
        throw new LlmException(
            $"model '{requested}' is not available on this runner (embedded models: {(names.Count == 0 ? "none" : string.Join(", ", names))})");
    }

    private List<(string Name, string Path)> ModelFiles()
    {
        if (!Directory.Exists(_options.ModelsDirectory)) return [];
        return Directory.EnumerateFiles(_options.ModelsDirectory)
            .Where(path => path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            .Select(path => (Name: Path.GetFileName(path)[..^".gguf".Length], Path: path))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The file's header and digest, cached until its size or modification time changes; null when it is gone.</summary>
    private ModelFile? Describe(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return null;
        var stamp = new FileStamp(info.Length, info.LastWriteTimeUtc);
        if (_files.TryGetValue(path, out var known) && known.Stamp == stamp) return known;
        GgufHeader? header = null;
        string? problem = null;
        try
        {
            header = GgufHeader.Read(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
        }
        return _files[path] = new ModelFile(path, stamp, header, problem);
    }

    private (LoadedModel Model, bool LoadedNow) Acquire(string path, ModelFile file, CancellationToken cancellation)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (LeaseLocked(path, file.Stamp) is { } warm) return (warm, false);
        }
        _loading.Wait(cancellation);
        try
        {
            // Another prompt may have loaded it while this one waited: that wait was load time too.
            lock (_gate)
                if (LeaseLocked(path, file.Stamp) is { } justLoaded) return (justLoaded, true);

            string digest;
            try
            {
                digest = file.Digest();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LlmException($"cannot read model file '{path}': {e.Message}", e);
            }
            var weights = LoadWeights(path);
            var contextSize = weights.ContextSize > 0 ? Math.Min(weights.ContextSize, _options.ContextSize) : _options.ContextSize;
            var model = new LoadedModel(path, file.Stamp, weights, digest, contextSize) { Users = 1, LastUsed = Stopwatch.GetTimestamp() };

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
            ObjectDisposedException.ThrowIf(unload.Contains(model), this);
            return (model, true);
        }
        finally
        {
            _loading.Release();
        }
    }

    private static LLamaWeights LoadWeights(string path)
    {
        var mark = LlamaNativeLog.Mark();
        try
        {
            return LLamaWeights.LoadFromFile(new ModelParams(path) { GpuLayerCount = 0 });
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or RuntimeError
                                      && e is not LoadWeightsFailedException)
        {
            throw new LlmException(
                $"cannot load model file '{path}': llama.cpp's native library did not load (it needs glibc 2.29+ and libgomp1): {e.Message}", e);
        }
        catch (Exception e)
        {
            throw new LlmException($"cannot load model file '{path}': {LlamaNativeLog.ProblemsSince(mark) ?? e.Message}", e);
        }
    }

    private LoadedModel? LeaseLocked(string path, FileStamp stamp)
    {
        if (!_loaded.TryGetValue(path, out var model) || model.Stamp != stamp) return null;
        model.Users++;
        model.LastUsed = Stopwatch.GetTimestamp();
        return model;
    }

    private void Release(LoadedModel model)
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

    /// <summary>Marks an unloaded model; true when nobody uses it, so the caller frees it (outside the lock).</summary>
    private static bool Retire(LoadedModel model)
    {
        model.Retired = true;
        return model.Users == 0;
    }

    private bool IsLoaded(string path, FileStamp stamp)
    {
        lock (_gate) return _loaded.TryGetValue(path, out var model) && model.Stamp == stamp;
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

    private readonly record struct FileStamp(long Length, DateTime Modified);

    private sealed class ModelFile(string path, FileStamp stamp, GgufHeader? header, string? problem)
    {
        private readonly Lock _gate = new();
        private string? _digest;

        public FileStamp Stamp => stamp;
        public GgufHeader? Header => header;
        /// <summary>Why the header is unusable, or null.</summary>
        public string? Problem => problem;

        /// <summary>"sha256:&lt;hex&gt;" of the whole file, computed once per version of the file.</summary>
        public string Digest()
        {
            lock (_gate)
            {
                if (_digest is not null) return _digest;
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                return _digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
            }
        }

        public string? TryDigest()
        {
            try
            {
                return Digest();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    private sealed class LoadedModel(string path, FileStamp stamp, LLamaWeights weights, string digest, int contextSize)
    {
        public string Path => path;
        public FileStamp Stamp => stamp;
        public LLamaWeights Weights => weights;
        public string Digest => digest;
        /// <summary>The context each prompt gets: the configured size, or less when the model was trained for less.</summary>
        public int ContextSize => contextSize;
        public int Users { get; set; }
        public long LastUsed { get; set; }
        public bool Retired { get; set; }
    }
}
