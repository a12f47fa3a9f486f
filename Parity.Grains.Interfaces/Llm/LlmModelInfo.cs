namespace Parity.Llm;

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
