namespace Parity.Llm;

/// <summary>Bytes received so far, and the total when the source announced one.</summary>
public readonly record struct ModelDownloadProgress(long Received, long? Total);
