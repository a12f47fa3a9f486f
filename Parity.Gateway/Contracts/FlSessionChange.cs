using Parity.Federation;

namespace Parity.Gateway.Contracts;

/// <summary>The answer to starting or cancelling a session: what happened, and the session after it.</summary>
public sealed record FlSessionChange(string Message, FlSessionView? Session);
