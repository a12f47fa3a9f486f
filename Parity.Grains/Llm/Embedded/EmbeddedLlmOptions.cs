namespace Parity.Llm.Embedded;

/// <summary>Options of the <see cref="EmbeddedLlmBackend"/>, bound as part of <see cref="LlmOptions"/>.</summary>
public sealed record EmbeddedLlmOptions
{
    /// <summary>Where the <c>*.gguf</c> files are (RUNNER_MODELS_DIR); each is served under its file name without <c>.gguf</c>.</summary>
    public required string ModelsDirectory { get; set; }

    /// <summary>Context (prompt + completion) in tokens; a model trained for less gets its own context length.</summary>
    public int ContextSize { get; set; } = 2048;

    /// <summary>
    /// CPU threads per generation. Half the cores by default: llama.cpp's OpenMP threads spin while waiting, and with
    /// every core taken they fight the .NET runtime's threads (a 2-core machine ran 100× slower with 2 threads than with 1).
    /// </summary>
    public int Threads { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Models kept in memory at once; loading another unloads the least recently used.</summary>
    public int MaxLoadedModels { get; set; } = 1;

    /// <summary>Unloads a model that no prompt has used for this long; null keeps models loaded.</summary>
    public TimeSpan? IdleUnload { get; set; }
}
