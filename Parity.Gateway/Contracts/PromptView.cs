namespace Parity.Gateway.Contracts;

/// <summary>
/// <c>GET /api/v1/llm/prompts/{id}</c>: a prompt in every state with every field (null until known), the same shape as
/// the stream's <c>done</c> event.
/// </summary>
public sealed record PromptView
{
    public required string Id { get; init; }
    /// <summary>queued | processing | completed | failed | cancelled.</summary>
    public required string Status { get; init; }
    public string? ModelName { get; init; }
    /// <summary>The model that answered, as its backend names it.</summary>
    public string? Model { get; init; }
    public string? ModelDigest { get; init; }
    /// <summary>The text so far while processing, all of it once completed.</summary>
    public string? Response { get; init; }
    public long? PromptTokens { get; init; }
    public long? CachedPromptTokens { get; init; }
    public long? ResponseTokens { get; init; }
    public long? InferenceTimeMs { get; init; }
    public double? LoadMs { get; init; }
    public double? PrefillMs { get; init; }
    public double? DecodeMs { get; init; }
    public double? TotalMs { get; init; }
    public string? FinishReason { get; init; }
    public string? Runner { get; init; }
    public int Attempt { get; init; }
    /// <summary>Progress of the model pull the prompt waits on, in words.</summary>
    public string? Progress { get; init; }
    public string? Error { get; init; }
    public string? ClientId { get; init; }
    public string? CreatorAddress { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
}
