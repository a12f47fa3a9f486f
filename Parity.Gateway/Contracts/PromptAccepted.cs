namespace Parity.Gateway.Contracts;

/// <summary>The 202 answer to a prompt submitted without streaming: poll <c>/llm/prompts/{id}</c> or read its <c>/stream</c>.</summary>
public sealed record PromptAccepted(string Id, string Status, string ModelName, DateTimeOffset CreatedAt);
