using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Parity;
using Parity.Llm;
using Parity.Llm.Embedded;
using Parity.Tasks;

/// <summary>
/// The cluster's overhead on a prompt: 32-token greedy generations submitted as llm tasks to a one-silo cluster (task
/// grain → model grain → runner grain → executor → embedded backend → result stored, awaited with WaitFinished)
/// against the same generation called directly on an <see cref="EmbeddedLlmBackend"/> in the same process.
/// The model is generated (8 blocks, 512 wide, 113 MB F32) so a generation costs about what a small real model's does
/// on this machine, not the sub-millisecond of the tests' tiny one. Interleaved, one at a time, 1 llama.cpp thread.
/// </summary>
public static class LlmGrainBenchmark
{
    private const int Tokens = 32;
    private const string Prompt = "Hello world, the model said";
    private static readonly TinyGgufShape Shape = new(Embedding: 512, FeedForward: 1536, Blocks: 8, Heads: 8);

    public static async Task Run(int generations, Func<Dictionary<string, string?>, Task<WebApplication>> startCluster)
    {
        var directory = Directory.CreateTempSubdirectory("parity-llm-grain-bench-").FullName;
        try
        {
            TinyGgufWriter.Write(Path.Combine(directory, "small.gguf"), shape: Shape);
            await using var direct = new EmbeddedLlmBackend(new EmbeddedLlmOptions { ModelsDirectory = directory, Threads = 1 });
            await using var app = await startCluster(new()
            {
                ["RUNNER_MODELS_DIR"] = directory,
                ["OLLAMA_URL"] = "off",
                ["RUNNER_LLM_THREADS"] = "1",
                ["RUNNER_LLM_CONTEXT_SIZE"] = "256",
                ["RUNNER_MAX_CONCURRENT_TASKS"] = "1",
            });
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            var request = new LlmRequest { Model = "small", Prompt = Prompt, MaxTokens = Tokens, Temperature = 0 };

            var (expected, _) = await Direct(direct, request);
            var (viaCluster, _) = await ViaCluster(grains, "warm-up");
            if (viaCluster != expected) throw new InvalidOperationException($"outputs differ: '{expected}' vs '{viaCluster}'");
            for (var i = 0; i < 3; i++)
            {
                await Direct(direct, request);
                await ViaCluster(grains, $"warm-up-{i}");
            }

            double directMs = 0, clusterMs = 0, clusterBackendMs = 0;
            for (var i = 0; i < generations; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await Direct(direct, request);
                directMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;

                started = Stopwatch.GetTimestamp();
                var (_, usage) = await ViaCluster(grains, $"bench-{i}");
                clusterMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                clusterBackendMs += usage.TotalMs;
            }
            directMs /= generations;
            clusterMs /= generations;
            clusterBackendMs /= generations;

            Console.WriteLine($"LLM grain path: {generations} greedy generations of {Tokens} tokens, generated GGUF " +
                              $"({Shape.Blocks} blocks x {Shape.Embedding}, {new FileInfo(Path.Combine(directory, "small.gguf")).Length / 1e6:F0} MB F32), 1 thread");
            Console.WriteLine($"  direct EmbeddedLlmBackend call:  {directMs,8:F1} ms/generation {Tokens / directMs * 1000,7:N0} tokens/s");
            Console.WriteLine($"  llm task through the cluster:    {clusterMs,8:F1} ms/generation {Tokens / clusterMs * 1000,7:N0} tokens/s" +
                              $"  (backend inside: {clusterBackendMs:F1} ms)");
            Console.WriteLine($"  overhead: {(clusterMs / directMs - 1) * 100:F1} % ({clusterMs - directMs:F1} ms per prompt)");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(string Text, LlmUsage Usage)> Direct(EmbeddedLlmBackend backend, LlmRequest request)
    {
        await foreach (var item in backend.GenerateAsync(request, CancellationToken.None))
            if (item is LlmCompletion completion) return (completion.Text, completion.Usage);
        throw new InvalidOperationException("the stream ended without a completion");
    }

    private static async Task<(string Text, LlmUsage Usage)> ViaCluster(IGrainFactory grains, string id)
    {
        var grain = grains.GetGrain<ITaskGrain>(id);
        await grain.Submit(new ParityTask
        {
            Id = id,
            Type = TaskType.Llm,
            Config = JsonSerializer.Serialize(new { model = "small", prompt = Prompt, max_tokens = Tokens, temperature = 0 }),
            CreatedAt = DateTimeOffset.UtcNow,
        });
        var task = await grain.WaitFinished(TimeSpan.FromMinutes(2));
        if (task?.Status != TaskState.Completed) throw new InvalidOperationException($"prompt {id}: {task?.Status} {task?.Error}");
        var result = (await grain.GetResult())!;
        return (result.Stdout, result.Usage!);
    }
}
