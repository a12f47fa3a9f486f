using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Exceptions;

namespace Parity.Llm.Embedded;

/// <summary>Weights in memory for one version of a model file, with the prompts using them.</summary>
internal sealed class LoadedModel(string path, FileStamp stamp, LLamaWeights weights, string digest, int contextSize)
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

    /// <summary>Digests the file and loads its weights, in use by the caller (one user).</summary>
    public static LoadedModel Load(string path, ModelFile file, int configuredContextSize)
    {
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
        var contextSize = weights.ContextSize > 0 ? Math.Min(weights.ContextSize, configuredContextSize) : configuredContextSize;
        return new LoadedModel(path, file.Stamp, weights, digest, contextSize) { Users = 1, LastUsed = Stopwatch.GetTimestamp() };
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
}
