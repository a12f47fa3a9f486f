namespace Parity.Llm;

/// <summary>A model pull from a URL or CID that failed or was refused; the message says what and names the limit or value.</summary>
public sealed class ModelDownloadException(string message, Exception? inner = null) : Exception(message, inner);
