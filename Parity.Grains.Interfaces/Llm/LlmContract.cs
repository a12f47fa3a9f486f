namespace Parity.Llm;

/// <summary>One chat message (<c>role</c>: system | user | assistant).</summary>
[GenerateSerializer, Immutable]
public sealed record LlmMessage(
    [property: Id(0)] string Role,
    [property: Id(1)] string Content);

/// <summary>A prompt for one model: either <see cref="Prompt"/> or <see cref="Messages"/>, with sampling options.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmRequest
{
    [Id(0)] public string Model { get; init; } = "";
    [Id(1)] public string? Prompt { get; init; }
    [Id(2)] public IReadOnlyList<LlmMessage>? Messages { get; init; }
    /// <summary>Most tokens to generate; null lets the backend decide (bounded by the context).</summary>
    [Id(3)] public int? MaxTokens { get; init; }
    /// <summary>0 is greedy.</summary>
    [Id(4)] public float? Temperature { get; init; }
    [Id(5)] public long? Seed { get; init; }
    [Id(6)] public IReadOnlyList<string> Stop { get; init; } = [];
}

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
}

/// <summary>A model a runner can serve.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmModelInfo
{
    [Id(0)] public string Name { get; init; } = "";
    /// <summary>ollama | embedded</summary>
    [Id(1)] public string Backend { get; init; } = "";
    [Id(2)] public bool Loaded { get; init; }
    [Id(3)] public int? ContextLength { get; init; }
    [Id(4)] public long? SizeBytes { get; init; }
    [Id(5)] public string? Quantization { get; init; }
    [Id(6)] public string? Digest { get; init; }
}

/// <summary>Progress of a model pull.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmPullProgress
{
    [Id(0)] public string Status { get; init; } = "";
    [Id(1)] public long? Completed { get; init; }
    [Id(2)] public long? Total { get; init; }
}
