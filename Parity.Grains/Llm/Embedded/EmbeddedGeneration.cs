using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;

namespace Parity.Llm.Embedded;

/// <summary>
/// One prompt on its own thread: the model acquired from the cache, a fresh context sized to the prompt, prefill,
/// then the token loop with its sampler and stop strings, and the metering of it all (see <see cref="EmbeddedLlmBackend"/>).
/// </summary>
internal sealed class EmbeddedGeneration(EmbeddedLlmOptions options, ModelCatalogue catalogue, LoadedModelCache models)
{
    private int _active;

    /// <summary>Prompts running now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Runs the request, writing released text to <paramref name="output"/> as it settles.</summary>
    public LlmCompletion Generate(LlmRequest request, ChannelWriter<string> output, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        cancellation.ThrowIfCancellationRequested();
        var chat = request.Messages is { Count: > 0 };
        if (!chat && request.Prompt is null) throw new LlmException("the request has neither a prompt nor messages");
        if (request.MaxTokens < 0) throw new LlmException($"max_tokens cannot be negative ({request.MaxTokens})");

        var (name, path) = catalogue.Find(request.Model);
        var file = catalogue.Describe(path) ?? throw new LlmException($"model file '{path}' has disappeared");
        if (file.Problem is not null) throw new LlmException($"cannot load model file '{path}': {file.Problem}");
        var (model, loadedNow) = models.Acquire(path, file, cancellation);
        Interlocked.Increment(ref _active);
        try
        {
            var loaded = Stopwatch.GetTimestamp();
            var weights = model.Weights;
            var prompt = chat ? PromptTokens.ApplyTemplate(name, weights, request.Messages!) : request.Prompt!;
            var tokens = PromptTokens.Tokenize(weights, prompt, special: chat);
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
            Interlocked.Decrement(ref _active);
            models.Release(model);
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
                Threads = options.Threads,
                BatchThreads = options.Threads,
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

    private static void Decode(LLamaContext context, LLamaBatch batch)
    {
        var result = context.Decode(batch);
        if (result != DecodeResult.Ok) throw new LlmException($"llama.cpp could not evaluate the tokens ({result})");
    }
}
