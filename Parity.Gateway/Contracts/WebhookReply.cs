namespace Parity.Gateway.Contracts;

/// <summary>
/// The answer to a webhook push: <c>status</c> ok | skipped (every task already known) | busy; a push of one task gets
/// the status alone, a push of several the counts too, and a refused push (busy) how many were refused.
/// </summary>
public sealed record WebhookReply(string Status, int? Accepted = null, int? Skipped = null, int? Rejected = null);
