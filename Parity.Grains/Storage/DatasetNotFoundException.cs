namespace Parity.Storage;

/// <summary>No dataset could be had for a CID; the message says which and why.</summary>
public sealed class DatasetNotFoundException(string message) : Exception(message);
