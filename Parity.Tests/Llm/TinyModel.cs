using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;
using Parity.Llm;
using Parity.Llm.Embedded;

namespace Parity.Tests.Llm;

/// <summary>A directory with the generated tiny model (<c>tiny.gguf</c>) and an embedded backend serving it.</summary>
public sealed class TinyModelFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("parity-llm-").FullName;

    public string ModelPath => Path.Combine(Directory, "tiny.gguf");

    public EmbeddedLlmBackend Backend { get; private set; } = null!;

    public Task InitializeAsync()
    {
        TinyGgufWriter.Write(ModelPath);
        Backend = new EmbeddedLlmBackend(new EmbeddedLlmOptions { ModelsDirectory = Directory, Threads = 1 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Backend.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

internal static class TinyModel
{
    /// <summary>The prompt of docs/EMBEDDED_LLM.md: 11 tokens with BOS.</summary>
    public const string Prompt = "Hello world, the model said";

    /// <summary>Its token ids with BOS, and the first greedy ids the model generates from them (seed 42).</summary>
    public static readonly int[] PromptIds = [1, 259, 299, 328, 745, 338, 719, 271, 356, 731, 530];
    public static readonly int[] FirstGreedyIds = [737, 507, 551, 666, 725, 418];

    /// <summary>Runs a generation to its end: the streamed pieces and the one final completion.</summary>
    public static async Task<(List<string> Pieces, LlmCompletion Completion)> Generate(
        ILlmBackend backend, LlmRequest request, CancellationToken cancellation = default)
    {
        var pieces = new List<string>();
        LlmCompletion? completion = null;
        await foreach (var item in backend.GenerateAsync(request, cancellation))
        {
            Assert.Null(completion); // nothing after the completion
            switch (item)
            {
                case LlmToken token:
                    pieces.Add(token.Text);
                    break;
                case LlmCompletion last:
                    completion = last;
                    break;
            }
        }
        Assert.NotNull(completion);
        return (pieces, completion);
    }

    /// <summary>The reference: llama.cpp's greedy loop through LLamaSharp directly, without the backend.</summary>
    public static (int[] PromptIds, List<int> Ids, string Text) DirectGreedy(string path, string prompt, int count)
    {
        EmbeddedLlmBackend.ConfigureNativeLibrary();
        var parameters = new ModelParams(path) { ContextSize = 256, GpuLayerCount = 0, Threads = 1, BatchThreads = 1 };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        var promptIds = weights.Tokenize(prompt, true, false, Encoding.UTF8);
        var batch = new LLamaBatch();
        batch.AddRange(promptIds, 0, LLamaSeqId.Zero, true);
        Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        using var sampler = new GreedySamplingPipeline();
        var decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        var ids = new List<int>();
        for (var position = promptIds.Length; ids.Count < count; position++)
        {
            var token = sampler.Sample(context.NativeHandle, batch.TokenCount - 1);
            ids.Add((int)token);
            decoder.Add(token);
            batch.Clear();
            batch.Add(token, position, LLamaSeqId.Zero, true);
            Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        }
        return (promptIds.Select(t => (int)t).ToArray(), ids, decoder.Read());
    }

    /// <summary>Token count of a text as the model tokenizes it (with BOS; special tokens parsed when asked).</summary>
    public static int CountTokens(string path, string text, bool special)
    {
        EmbeddedLlmBackend.ConfigureNativeLibrary();
        using var weights = LLamaWeights.LoadFromFile(new ModelParams(path) { GpuLayerCount = 0 });
        return weights.Tokenize(text, true, special, Encoding.UTF8).Length;
    }
}
