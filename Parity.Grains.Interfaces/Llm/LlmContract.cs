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
    /// <summary>The model as the runner served it (the resolved name, with its tag).</summary>
    [Id(9)] public string? Model { get; init; }
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

/// <summary>A model pull that a ModelGrain asked a runner for.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmPullState
{
    [Id(0)] public string Model { get; init; } = "";
    [Id(1)] public string Runner { get; init; } = "";
    [Id(2)] public string Status { get; init; } = "";
    [Id(3)] public long? Completed { get; init; }
    [Id(4)] public long? Total { get; init; }
    [Id(5)] public bool Done { get; init; }
    /// <summary>Why the pull failed; null while it runs and when it succeeded.</summary>
    [Id(6)] public string? Error { get; init; }
    [Id(7)] public DateTimeOffset StartedAt { get; init; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Where a ModelGrain sends a prompt: runners to try in order, or a pull under way, or why nothing can.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmRoute
{
    /// <summary>Runners that serve the model and show a free slot: warm first, then the least loaded.</summary>
    [Id(0)] public IReadOnlyList<string> Runners { get; init; } = [];
    /// <summary>No runner has the model yet; this pull will bring it.</summary>
    [Id(1)] public LlmPullState? Pull { get; init; }
    /// <summary>No runner can ever serve the model (unknown everywhere, no runner can pull, the pull failed).</summary>
    [Id(2)] public string? Error { get; init; }
}

/// <summary>The metering of one prompt, recorded once per prompt id.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmUsageRecord
{
    [Id(0)] public string PromptId { get; init; } = "";
    [Id(1)] public string ClientId { get; init; } = "";
    [Id(2)] public string Model { get; init; } = "";
    [Id(3)] public string Runner { get; init; } = "";
    [Id(4)] public LlmUsage Usage { get; init; } = new();
    [Id(5)] public DateTimeOffset CompletedAt { get; init; }
}

/// <summary>Usage totals of one client on one model.</summary>
[GenerateSerializer, Immutable]
public sealed record LlmUsageTotals
{
    [Id(0)] public string ClientId { get; init; } = "";
    [Id(1)] public string Model { get; init; } = "";
    [Id(2)] public long Prompts { get; init; }
    /// <summary>Prompt tokens the backends counted; prompts whose count was unknown are in <see cref="PromptsWithUnknownPromptTokens"/>.</summary>
    [Id(3)] public long PromptTokens { get; init; }
    [Id(4)] public long PromptsWithUnknownPromptTokens { get; init; }
    [Id(5)] public long CachedPromptTokens { get; init; }
    [Id(6)] public long CompletionTokens { get; init; }
    [Id(7)] public double InferenceMs { get; init; }
    [Id(8)] public DateTimeOffset? LastAt { get; init; }
}
