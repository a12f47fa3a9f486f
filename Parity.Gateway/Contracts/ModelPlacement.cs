namespace Parity.Gateway.Contracts;

/// <summary>A runner that serves a model, and how.</summary>
public sealed record ModelPlacement(
    string Runner,
    string Backend,
    bool Loaded,
    int? ContextLength,
    long? SizeBytes,
    string? Quantization,
    string? Digest);
