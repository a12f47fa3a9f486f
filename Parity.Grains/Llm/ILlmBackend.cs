namespace Parity.Llm;

/// <summary>
/// A way to run LLM prompts on this machine: Ollama over HTTP, or llama.cpp in-process on GGUF files. Pure engine code,
/// no Orleans: the grains route prompts to runners and call these.
/// </summary>
public interface ILlmBackend : IAsyncDisposable
{
    /// <summary>"ollama" or "embedded".</summary>
    string Name { get; }

    /// <summary>Whether <see cref="PullAsync"/> can fetch models (Ollama can; GGUF files are copied in by hand).</summary>
    bool CanPull { get; }

    /// <summary>The models this backend can serve now, with whether each is loaded (warm).</summary>
    Task<IReadOnlyList<LlmModelInfo>> ListModelsAsync(CancellationToken cancellation);

    /// <summary>
    /// Streams the generated text piece by piece, then exactly one final <see cref="LlmCompletion"/> with the usage.
    /// Unknown models and unusable model files throw <see cref="LlmException"/> with a clear message.
    /// </summary>
    IAsyncEnumerable<LlmStreamItem> GenerateAsync(LlmRequest request, CancellationToken cancellation);

    /// <summary>Fetches a model so it can be served; backends that cannot pull throw <see cref="LlmException"/>.</summary>
    Task PullAsync(string model, IProgress<LlmPullProgress> progress, CancellationToken cancellation);
}

/// <summary>One item of a generation stream.</summary>
public abstract record LlmStreamItem;

/// <summary>A piece of generated text (one or more tokens' worth).</summary>
public sealed record LlmToken(string Text) : LlmStreamItem;

/// <summary>The end of a generation: the whole text and the usage.</summary>
public sealed record LlmCompletion(string Text, LlmUsage Usage) : LlmStreamItem;

/// <summary>A prompt cannot be served: unknown model, corrupt model file, backend unreachable. The message says which.</summary>
public sealed class LlmException(string message, Exception? inner = null) : Exception(message, inner);
