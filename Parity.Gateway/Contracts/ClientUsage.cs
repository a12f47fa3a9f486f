using Parity.Llm;

namespace Parity.Gateway.Contracts;

/// <summary>One client's LLM usage: totals over its models, then each model's.</summary>
public sealed record ClientUsage(
    string ClientId,
    long Prompts,
    long PromptTokens,
    long PromptsWithUnknownPromptTokens,
    long CachedPromptTokens,
    long CompletionTokens,
    IReadOnlyList<LlmUsageTotals> Models);
