namespace Parity.Llm;

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
