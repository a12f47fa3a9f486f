namespace Parity.Federation;

/// <summary>A session's input that the cluster cannot use (a dataset it cannot fetch or read); the message names the field.</summary>
public sealed class SessionInputException(string message) : Exception(message);
