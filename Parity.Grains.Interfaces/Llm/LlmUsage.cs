namespace Parity.Llm;

/// <summary>
/// Exact counts for billing. <see cref="PromptTokens"/> is null when the backend did not evaluate the prompt because
/// its prefix was cached (Ollama omits prompt_eval_count then): unknown, never 0.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LlmUsage
{
    [Id(0)] public long? PromptTokens { get; init; }
    [Id(1)] public long? CachedPromptTokens { get; init; }
    [Id(2)] public long CompletionTokens { get; init; }
    [Id(3)] public double LoadMs { get; init; }
    [Id(4)] public double PrefillMs { get; init; }
    [Id(5)] public double DecodeMs { get; init; }
    [Id(6)] public double TotalMs { get; init; }
    [Id(7)] public string? ModelDigest { get; init; }
    /// <summary>stop (end of sequence or a stop string), length (max_tokens) or cancelled.</summary>
    [Id(8)] public string FinishReason { get; init; } = "stop";
    /// <summary>The model as the runner served it (the resolved name, with its tag).</summary>
    [Id(9)] public string? Model { get; init; }
}
