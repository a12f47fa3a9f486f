namespace Parity.Llm;

/// <summary>One chat message (<c>role</c>: system | user | assistant).</summary>
[GenerateSerializer, Immutable]
public sealed record LlmMessage(
    [property: Id(0)] string Role,
    [property: Id(1)] string Content);
