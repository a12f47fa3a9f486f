namespace Parity.Llm;

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
