namespace Parity.Gateway.Contracts;

/// <summary>A plain acknowledgement, as the upstream answers it: <c>{"message":"…"}</c>.</summary>
public sealed record MessageReply(string Message);
