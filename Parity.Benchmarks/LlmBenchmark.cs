using System.Diagnostics;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;
using Parity.Llm;
using Parity.Llm.Embedded;

/// <summary>
/// The embedded backend's overhead: 32-token greedy generations on the generated tiny GGUF model through
/// <see cref="EmbeddedLlmBackend"/> (worker thread, channel, stop filter, metering) against LLamaSharp's low-level loop
/// driven directly. Same file, same settings (1 thread, a fresh context per generation), interleaved in one run.
/// </summary>
public static class LlmBenchmark
{
    private const int Tokens = 32;
    private const string Prompt = "Hello world, the model said";

    public static async Task Run(int prompts)
    {
        var directory = Directory.CreateTempSubdirectory("parity-llm-bench-").FullName;
        try
        {
            var path = Path.Combine(directory, "tiny.gguf");
            TinyGgufWriter.Write(path);
            // The backend comes first: it routes llama.cpp's log before the native library loads.
            await using var backend = new EmbeddedLlmBackend(new EmbeddedLlmOptions { ModelsDirectory = directory, Threads = 1 });
            var parameters = new ModelParams(path) { ContextSize = 256, GpuLayerCount = 0, Threads = 1, BatchThreads = 1 };
            using var weights = LLamaWeights.LoadFromFile(parameters);
            var request = new LlmRequest { Model = "tiny", Prompt = Prompt, MaxTokens = Tokens };

            // Warm-up (JIT, the backend's model load), and both ways must write the same text.
            var expected = Direct(weights, parameters);
            var (text, _) = await ViaBackend(backend, request);
            if (text != expected) throw new InvalidOperationException($"outputs differ: '{expected}' vs '{text}'");
            for (var i = 0; i < 10; i++)
            {
                Direct(weights, parameters);
                await ViaBackend(backend, request);
            }

            double direct = 0, embedded = 0, prefill = 0, decode = 0;
            for (var i = 0; i < prompts; i++)
            {
                var started = Stopwatch.GetTimestamp();
                Direct(weights, parameters);
                direct += Stopwatch.GetElapsedTime(started).TotalMilliseconds;

                started = Stopwatch.GetTimestamp();
                var (_, usage) = await ViaBackend(backend, request);
                embedded += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                prefill += usage.PrefillMs;
                decode += usage.DecodeMs;
            }
            direct /= prompts;
            embedded /= prompts;

            Console.WriteLine($"embedded LLM: {prompts} greedy generations of {Tokens} tokens, tiny GGUF model, 11-token prompt, 1 thread");
            Console.WriteLine($"  LLamaSharp low-level loop:         {direct,7:F2} ms/generation {Tokens / direct * 1000,8:N0} tokens/s");
            Console.WriteLine($"  EmbeddedLlmBackend.GenerateAsync:  {embedded,7:F2} ms/generation {Tokens / embedded * 1000,8:N0} tokens/s" +
                              $"  (metered: prefill {prefill / prompts:F2} ms, decode {decode / prompts:F2} ms)");
            Console.WriteLine($"  backend / direct: {embedded / direct:F2}x");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // What the backend does per prompt, without it: tokenize, fresh context, prefill, greedy loop with streaming decode.
    private static string Direct(LLamaWeights weights, ModelParams parameters)
    {
        var prompt = weights.Tokenize(Prompt, true, false, Encoding.UTF8);
        using var context = weights.CreateContext(parameters);
        var batch = new LLamaBatch();
        batch.AddRange(prompt, 0, LLamaSeqId.Zero, true);
        context.Decode(batch);
        using var sampler = new GreedySamplingPipeline();
        var decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        var text = new StringBuilder();
        for (var generated = 1; ; generated++)
        {
            var token = sampler.Sample(context.NativeHandle, batch.TokenCount - 1);
            decoder.Add(token);
            text.Append(decoder.Read());
            if (generated == Tokens) return text.ToString();
            batch.Clear();
            batch.Add(token, prompt.Length + generated - 1, LLamaSeqId.Zero, true);
            context.Decode(batch);
        }
    }

    private static async Task<(string Text, LlmUsage Usage)> ViaBackend(EmbeddedLlmBackend backend, LlmRequest request)
    {
        await foreach (var item in backend.GenerateAsync(request, CancellationToken.None))
            if (item is LlmCompletion completion)
                return (completion.Text, completion.Usage);
        throw new InvalidOperationException("the stream ended without a completion");
    }
}
