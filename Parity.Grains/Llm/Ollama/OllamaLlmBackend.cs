using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;
using OllamaSharp.Models.Exceptions;

namespace Parity.Llm.Ollama;

/// <summary>
/// Runs prompts on an Ollama server through OllamaSharp: <see cref="LlmRequest.Prompt"/> on /api/generate,
/// <see cref="LlmRequest.Messages"/> on /api/chat, both streamed, with the usage taken from the final chunk.
/// </summary>
public sealed class OllamaLlmBackend : ILlmBackend
{
    private readonly OllamaOptions _options;
    private readonly HttpClient _http;
    private readonly OllamaClient _client;

    // A model's trained context length is fixed by its blob, so /api/show is asked once per digest.
    private readonly ConcurrentDictionary<string, int?> _contextLengths = new(StringComparer.Ordinal);

    public OllamaLlmBackend(OllamaOptions options)
    {
        _options = options;
        // Ollama runs on this machine or next to it: a connection that takes longer than this is not coming.
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        // Timeouts are per call (RequestTimeout); HttpClient's own would also cut long pulls.
        _http = new HttpClient(handler) { BaseAddress = options.Url, Timeout = Timeout.InfiniteTimeSpan };
        _client = new OllamaClient(_http);
    }

    public string Name => "ollama";

    public bool CanPull => true;

    public async Task<IReadOnlyList<LlmModelInfo>> ListModelsAsync(CancellationToken cancellation)
    {
        using var call = StartCall(cancellation);
        try
        {
            var local = (await _client.ListLocalModelsAsync(call.Token)).ToList();
            var loaded = (await _client.ListRunningModelsAsync(call.Token))
                .Select(m => m.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var contextLengths = await Task.WhenAll(local.Select(m => ContextLengthAsync(m, call.Token)));
            return local.Select((m, i) => new LlmModelInfo
            {
                Name = m.Name,
                Backend = Name,
                Loaded = loaded.Contains(m.Name),
                ContextLength = contextLengths[i],
                SizeBytes = m.Size > 0 ? m.Size : null,
                Quantization = NullIfEmpty(m.Details?.QuantizationLevel),
                Digest = NullIfEmpty(m.Digest),
            }).ToList();
        }
        catch (Exception ex) when (Translate(ex, cancellation, call, model: null) is { } translated)
        {
            throw translated;
        }
    }

    public async IAsyncEnumerable<LlmStreamItem> GenerateAsync(LlmRequest request,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        var chat = request.Messages is { Count: > 0 };
        if (!chat && request.Prompt is null)
            throw new ArgumentException("an LLM request needs a prompt or messages", nameof(request));

        using var call = StartCall(cancellation);
        var (model, digest) = await ResolveAsync(request.Model, cancellation, call);
        var chunks = chat ? ChatChunks(model, request, call.Token) : GenerateChunks(model, request, call.Token);
        await using var stream = chunks.GetAsyncEnumerator(call.Token);
        var text = new StringBuilder();
        while (true)
        {
            Chunk chunk;
            try
            {
                if (!await stream.MoveNextAsync()) break;
                chunk = stream.Current;
            }
            catch (Exception ex) when (Translate(ex, cancellation, call, request.Model) is { } translated)
            {
                throw translated;
            }

            if (chunk.Text is { Length: > 0 } piece)
            {
                text.Append(piece);
                yield return new LlmToken(piece);
            }
            if (chunk.Usage is { } usage)
            {
                yield return new LlmCompletion(text.ToString(), usage with { ModelDigest = digest });
                yield break;
            }
        }

        // OllamaSharp ends a stream quietly when its token is cancelled.
        cancellation.ThrowIfCancellationRequested();
        if (call.IsCancellationRequested) throw TimedOut();
        throw new LlmException($"Ollama at {_options.Url} ended the stream for '{model}' without its final counters");
    }

    public async Task PullAsync(string model, IProgress<LlmPullProgress> progress, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellation); // no RequestTimeout: see OllamaOptions
        string? lastStatus = null;
        try
        {
            await foreach (var step in _client.PullModelAsync(new PullModelRequest { Model = model }, call.Token))
            {
                if (step is null) continue;
                lastStatus = step.Status;
                // Only download steps carry sizes; OllamaSharp reads the missing ones as 0.
                var sized = step.Total > 0;
                progress.Report(new LlmPullProgress
                {
                    Status = step.Status,
                    Completed = sized ? step.Completed : null,
                    Total = sized ? step.Total : null,
                });
            }
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested && ex is OllamaException or OllamaServerError)
        {
            throw new LlmException($"pulling '{model}' on Ollama at {_options.Url} failed: {ex.Message}", ex);
        }
        catch (Exception ex) when (Translate(ex, cancellation, call, model) is { } translated)
        {
            throw translated;
        }

        cancellation.ThrowIfCancellationRequested();
        if (lastStatus != "success")
            throw new LlmException(
                $"pulling '{model}' on Ollama at {_options.Url} ended without success (last status: {lastStatus ?? "none"})");
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One streamed piece of text, and on the last chunk the usage.</summary>
    private readonly record struct Chunk(string? Text, LlmUsage? Usage);

    private async IAsyncEnumerable<Chunk> GenerateChunks(string model, LlmRequest request,
        [EnumeratorCancellation] CancellationToken token)
    {
        var generate = new GenerateRequest { Model = model, Prompt = request.Prompt ?? "", Options = OptionsOf(request), Stream = true };
        await foreach (var part in _client.GenerateAsync(generate, token))
        {
            if (part is null) continue;
            yield return part is GenerateDoneResponseStream done
                ? new Chunk(done.Response, UsageOf(done.PromptEvalCount, done.PromptEvalDuration, done.EvalCount,
                    done.EvalDuration, done.LoadDuration, done.TotalDuration, done.DoneReason))
                : new Chunk(part.Response, null);
        }
    }

    private async IAsyncEnumerable<Chunk> ChatChunks(string model, LlmRequest request,
        [EnumeratorCancellation] CancellationToken token)
    {
        var chat = new ChatRequest
        {
            Model = model,
            Messages = request.Messages!.Select(m => new Message(new ChatRole(m.Role), m.Content)).ToList(),
            Options = OptionsOf(request),
            Stream = true,
        };
        await foreach (var part in _client.ChatAsync(chat, token))
        {
            if (part is null) continue;
            yield return part is ChatDoneResponseStream done
                ? new Chunk(done.Message?.Content, UsageOf(done.PromptEvalCount, done.PromptEvalDuration, done.EvalCount,
                    done.EvalDuration, done.LoadDuration, done.TotalDuration, done.DoneReason))
                : new Chunk(part.Message?.Content, null);
        }
    }

    private static RequestOptions OptionsOf(LlmRequest request) => new()
    {
        NumPredict = request.MaxTokens,
        Temperature = request.Temperature,
        Seed = request.Seed is { } seed ? SeedOf(seed) : null,
        Stop = request.Stop.Count > 0 ? [.. request.Stop] : null,
    };

    /// <summary>Ollama's seed is 32-bit: seeds in that range pass as they are, larger ones fold deterministically.</summary>
    private static int SeedOf(long seed) =>
        seed is >= int.MinValue and <= int.MaxValue ? (int)seed : unchecked((int)(seed ^ (seed >> 32)));

    private static LlmUsage UsageOf(int promptEvalCount, long promptEvalNs, int evalCount, long evalNs, long loadNs,
        long totalNs, string? doneReason) => new()
    {
        // Ollama leaves prompt_eval_count out (Go omitempty) when the prompt's prefix came from its cache, and OllamaSharp
        // reads the missing field as 0: that is unknown, never 0 tokens. Ollama does not say how many prompt tokens
        // were cached either, so CachedPromptTokens stays null on this backend.
        PromptTokens = promptEvalCount > 0 ? promptEvalCount : null,
        CachedPromptTokens = null,
        CompletionTokens = evalCount,
        LoadMs = loadNs / 1e6,
        PrefillMs = promptEvalNs / 1e6,
        DecodeMs = evalNs / 1e6,
        TotalMs = totalNs / 1e6,
        // "length" is num_predict; "stop" covers end of sequence and stop strings (and "load"/"unload" for empty prompts).
        FinishReason = doneReason == "length" ? "length" : "stop",
    };

    private async Task<(string Name, string Digest)> ResolveAsync(string requested, CancellationToken cancellation,
        CancellationTokenSource call)
    {
        List<Model> local;
        try
        {
            local = (await _client.ListLocalModelsAsync(call.Token)).ToList();
        }
        catch (Exception ex) when (Translate(ex, cancellation, call, model: null) is { } translated)
        {
            throw translated;
        }

        var name = ModelNames.Resolve(requested, local.Select(m => m.Name));
        if (name is null)
        {
            var have = local.Count == 0 ? "none" : string.Join(", ", local.Select(m => m.Name));
            throw new LlmException(
                $"model '{requested}' is not available on Ollama at {_options.Url} (it has: {have}); pull it first");
        }
        return (name, local.First(m => m.Name == name).Digest);
    }

    /// <summary>The trained context length from /api/show's model_info ("&lt;arch&gt;.context_length"), or null.</summary>
    private async Task<int?> ContextLengthAsync(Model model, CancellationToken token)
    {
        if (!string.IsNullOrEmpty(model.Digest) && _contextLengths.TryGetValue(model.Digest, out var known)) return known;
        ShowModelResponse show;
        try
        {
            show = await _client.ShowModelAsync(new ShowModelRequest { Model = model.Name }, token);
        }
        catch (Exception ex) when (ex is OllamaServerError or JsonException)
        {
            return null; // a capability we cannot read is reported as unknown, not as a failed listing
        }

        var extra = show.Info?.ExtraInfo;
        var key = show.Info?.Architecture is { Length: > 0 } arch
            ? $"{arch}.context_length"
            : extra?.Keys.FirstOrDefault(k => k.EndsWith(".context_length", StringComparison.Ordinal));
        int? length = key is not null && extra is not null && extra.TryGetValue(key, out var value) ? IntOf(value) : null;
        if (!string.IsNullOrEmpty(model.Digest)) _contextLengths[model.Digest] = length;
        return length;
    }

    private static int? IntOf(object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var i) => i,
        int i => i,
        long l and >= 0 and <= int.MaxValue => (int)l,
        _ => null,
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private CancellationTokenSource StartCall(CancellationToken cancellation)
    {
        var call = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        call.CancelAfter(_options.RequestTimeout);
        return call;
    }

    private LlmException TimedOut() =>
        new($"Ollama at {_options.Url} (OLLAMA_URL) did not finish within {_options.RequestTimeout}");

    /// <summary>
    /// What a failure of a call to Ollama means to the caller; null leaves the exception as it is. Anything that
    /// happens after the caller cancelled is that cancellation, whatever OllamaSharp or the socket threw.
    /// </summary>
    private Exception? Translate(Exception ex, CancellationToken cancellation, CancellationTokenSource call, string? model)
    {
        if (cancellation.IsCancellationRequested)
            return ex as OperationCanceledException ?? new OperationCanceledException("cancelled", ex, cancellation);
        if (call.IsCancellationRequested) return TimedOut();
        return ex switch
        {
            OllamaServerError { Status: HttpStatusCode.NotFound } when model is not null => new LlmException(
                $"model '{model}' is not available on Ollama at {_options.Url}: {ex.Message}", ex),
            OllamaServerError e => new LlmException(
                $"Ollama at {_options.Url} answered {(int)e.Status}{(model is null ? "" : $" for '{model}'")}: {e.Message}", ex),
            OllamaException => new LlmException($"Ollama at {_options.Url} failed: {ex.Message}", ex),
            HttpRequestException => new LlmException(
                $"Ollama is not reachable at {_options.Url} (OLLAMA_URL): {ex.Message}", ex),
            IOException => new LlmException($"the connection to Ollama at {_options.Url} broke: {ex.Message}", ex),
            JsonException => new LlmException($"Ollama at {_options.Url} sent something that is not Ollama's JSON: {ex.Message}", ex),
            _ => null,
        };
    }
}
