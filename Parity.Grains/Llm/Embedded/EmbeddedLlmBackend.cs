using System.Runtime.CompilerServices;
using System.Threading.Channels;

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
/// The backend coordinates: <see cref="ModelCatalogue"/> lists the files, <see cref="LoadedModelCache"/> keeps the
/// weights, <see cref="EmbeddedGeneration"/> runs each prompt.
/// </summary>
public sealed class EmbeddedLlmBackend : ILlmBackend
{
    private readonly EmbeddedLlmOptions _options;
    private readonly ModelCatalogue _catalogue;
    private readonly LoadedModelCache _models;
    private readonly EmbeddedGeneration _generation;

    public EmbeddedLlmBackend(EmbeddedLlmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ModelsDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ContextSize, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLoadedModels, 1);
        _options = options;
        ConfigureNativeLibrary();
        _catalogue = new ModelCatalogue(options.ModelsDirectory);
        _models = new LoadedModelCache(options);
        _generation = new EmbeddedGeneration(options, _catalogue, _models);
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
    internal int ActiveGenerations => _generation.Active;

    public Task<IReadOnlyList<LlmModelInfo>> ListModelsAsync(CancellationToken cancellation) =>
        Task.Run<IReadOnlyList<LlmModelInfo>>(() =>
        {
            var models = new List<LlmModelInfo>();
            foreach (var (name, path) in _catalogue.ModelFiles())
            {
                cancellation.ThrowIfCancellationRequested();
                if (_catalogue.Describe(path) is not { } file) continue; // deleted meanwhile
                models.Add(new LlmModelInfo
                {
                    Name = name,
                    Backend = Name,
                    Loaded = _models.IsLoaded(path, file.Stamp),
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
        ObjectDisposedException.ThrowIf(_models.Disposed, this);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Not passing the token to StartNew: the worker must always run, to complete the channel.
        var worker = Task.Factory.StartNew(() =>
        {
            try
            {
                return _generation.Generate(request, pieces.Writer, stop.Token);
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
            $"the embedded backend serves GGUF files from RUNNER_MODELS_DIR; copy {model}.gguf there or fetch it with "
            + $"`parity-runner models pull <url|cid> --name {model}` (it cannot pull by name)"));

    public ValueTask DisposeAsync()
    {
        _models.Dispose();
        return ValueTask.CompletedTask;
    }
}
