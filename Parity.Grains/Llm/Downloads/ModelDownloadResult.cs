namespace Parity.Llm;

/// <summary>A model file kept in the models directory: its name as served, path, size and SHA-256 (lowercase hex).</summary>
public sealed record ModelDownloadResult(string Name, string Path, long Bytes, string Sha256);
