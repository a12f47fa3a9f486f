namespace Parity.Llm;

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
