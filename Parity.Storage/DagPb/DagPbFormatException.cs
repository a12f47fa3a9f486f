namespace Parity.Storage;

/// <summary>A dag-pb or UnixFS node that breaks its spec; the message names the field and the problem.</summary>
public sealed class DagPbFormatException(string message) : FormatException(message);
