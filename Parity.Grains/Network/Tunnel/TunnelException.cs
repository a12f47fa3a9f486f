namespace Parity.Network.Tunnel;

/// <summary>A tunnel that could not be opened, with a message for the operator (what was refused and which key to check).</summary>
public sealed class TunnelException(string message, Exception? inner = null) : Exception(message, inner);
